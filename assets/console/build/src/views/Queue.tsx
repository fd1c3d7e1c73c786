// The live review queue of one project, or of every project the token
// sees. The `reviewQueue` subscription drives it: the state is read once
// the subscription is in place (events during the read are applied again
// after it), and after a dropped socket each subscription resumes after
// the cursor of the last event it saw (api/client.ts `live`).

import type { VNode } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { asGqlError, gql, live, onSocketState, type SocketState } from '../api/client';
import { AllCounts, ProjectCounts, QueueEvents, QueuePreview, QueueSnapshot } from '../api/ops';
import { ActorLabel, Loading, Progress, StatusBadge } from '../components/Bits';
import { DecisionDialog, decide, topLevelPaths, type DecisionKind, type DecisionOutcome } from '../components/Decide';
import { ErrorBox } from '../components/ErrorBox';
import { FileList } from '../components/Files';
import { JsonTree } from '../components/JsonTree';
import { PatchView } from '../components/PatchView';
import type { QueueEventsSubscription, QueueItemFragment, QueuePreviewQuery, StatusCountsFragment } from '../generated/graphql';
import { fmtAgo } from '../lib/format';
import { href, navigate } from '../lib/route';
import { useSession, type ProjectInfo } from '../session';

type Item = QueueItemFragment;
type Event = QueueEventsSubscription['reviewQueue'];

export function matchesPrefix(key: string, prefix: string): boolean {
  return !prefix || key === prefix || key.startsWith(prefix + '.');
}

const COUNT_LABELS: [keyof Omit<StatusCountsFragment, 'id' | 'slug'>, string][] = [
  ['pending', 'Pending'],
  ['approved', 'Approved'],
  ['changesRequested', 'Changes requested'],
  ['rejected', 'Rejected'],
  ['superseded', 'Superseded'],
];

export function isTyping(e: KeyboardEvent): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return true;
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  const tag = t.tagName;
  if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || t.isContentEditable) return true;
  return document.querySelector('dialog[open]') !== null;
}

export function LiveBadge(): VNode {
  const [state, setState] = useState<SocketState>('idle');
  useEffect(() => onSocketState(setState), []);
  const label = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : state === 'down' ? 'Reconnecting…' : 'Idle';
  return (
    <span class={`live live-${state}`} role="status" aria-label={`Live updates: ${label}`}>
      <span class="dot" aria-hidden="true" /> {label}
    </span>
  );
}

export function QueueView({ slug, prefix }: { slug: string | null; prefix: string }): VNode {
  const session = useSession();
  const scope: ProjectInfo[] = useMemo(
    () => (slug ? session.projects.filter((p) => p.slug === slug) : session.projects),
    [slug, session.projects],
  );
  const items = useRef(new Map<string, Item>());
  const buffers = useRef(new Map<string, Event[]>());
  const fresh = useRef(new Set<string>());
  const approvedByMe = useRef(new Set<string>());
  const [, setTick] = useState(0);
  const bump = useCallback(() => setTick((t) => t + 1), []);
  const [loaded, setLoaded] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [counts, setCounts] = useState<Record<string, number> | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const selectedIndex = useRef(0);
  const [outcome, setOutcome] = useState<DecisionOutcome | null>(null);
  const [decisionError, setDecisionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [dialog, setDialog] = useState<'reject' | 'changes' | null>(null);
  const countTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const sorted = (): Item[] =>
    [...items.current.values()].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));

  const loadCounts = useCallback(() => {
    clearTimeout(countTimer.current);
    countTimer.current = setTimeout(async () => {
      try {
        const vars = prefix ? { prefix } : {};
        let list: StatusCountsFragment[];
        if (slug) {
          const d = await gql(ProjectCounts, { slug, ...vars });
          list = d.project ? [d.project] : [];
        } else {
          const d = await gql(AllCounts, vars);
          list = d.projects.edges.map((e) => e.node);
        }
        const sum: Record<string, number> = {};
        for (const [k] of COUNT_LABELS) sum[k] = list.reduce((n, p) => n + p[k].totalCount, 0);
        setCounts(sum);
      } catch (e) {
        setError(e);
      }
    }, 250);
  }, [slug, prefix]);

  // Live subscriptions, one per project in scope, and the state they start from.
  useEffect(() => {
    let stopped = false;
    const apply = (ev: Event, announce: boolean): void => {
      const v = ev.version;
      if (ev.change === 'ADDED') {
        if (v.status !== 'PENDING' || !matchesPrefix(v.schemaKey, prefix)) return;
        const had = items.current.has(v.id);
        items.current.set(v.id, v);
        if (!had && announce) {
          fresh.current.add(v.id);
          setTimeout(() => {
            fresh.current.delete(v.id);
            bump();
          }, 6000);
          session.announce(`New in the review queue: ${v.schemaKey} version ${v.versionNumber}${slug ? '' : ` in ${v.project.slug}`}.`);
        }
      } else if (items.current.delete(v.id) && announce) {
        session.announce(`Left the review queue: ${v.schemaKey} version ${v.versionNumber} (${v.status.toLowerCase().replace('_', ' ')}).`);
      }
    };
    const resync = async (p: ProjectInfo): Promise<void> => {
      buffers.current.set(p.id, []);
      try {
        const got: Item[] = [];
        let after: string | null = null;
        for (let page = 0; page < 10; page++) {
          const vars: { slug: string; prefix?: string; after?: string } = { slug: p.slug };
          if (prefix) vars.prefix = prefix;
          if (after) vars.after = after;
          const d = await gql(QueueSnapshot, vars);
          const conn = d.project?.reviewQueue;
          if (!conn) break;
          got.push(...conn.edges.map((e) => e.node));
          if (!conn.pageInfo.hasNextPage || !conn.pageInfo.endCursor) break;
          after = conn.pageInfo.endCursor;
        }
        if (stopped) return;
        for (const [id, it] of items.current) if (it.project.id === p.id) items.current.delete(id);
        for (const it of got) items.current.set(it.id, it);
        for (const ev of buffers.current.get(p.id) ?? []) apply(ev, false);
      } catch (e) {
        setError(e);
      } finally {
        buffers.current.delete(p.id);
        setLoaded((n) => n + 1);
        bump();
        loadCounts();
      }
    };
    const handles = scope.map((p) =>
      live(
        QueueEvents,
        { projectId: p.id },
        {
          cursorOf: (d) => d.reviewQueue.cursor,
          next: (d) => {
            if (stopped) return;
            buffers.current.get(p.id)?.push(d.reviewQueue);
            apply(d.reviewQueue, true);
            bump();
            loadCounts();
          },
          resync: () => void resync(p),
          error: (e) => setError(e),
        },
      ),
    );
    return () => {
      stopped = true;
      handles.forEach((h) => h.stop());
    };
  }, [scope, prefix, slug, bump, loadCounts, session]);

  const list = sorted();
  const ready = loaded >= scope.length;

  // Keep a selection: the same item, or the one now at its place.
  let current = selected ? items.current.get(selected) : undefined;
  if (!current && list.length > 0) {
    current = list[Math.min(selectedIndex.current, list.length - 1)];
  }
  const currentId = current?.id ?? null;
  const currentIndex = current ? list.findIndex((x) => x.id === current!.id) : -1;
  if (currentIndex >= 0) selectedIndex.current = currentIndex;

  const select = (id: string | null, focus = true): void => {
    setSelected(id);
    if (id && focus) requestAnimationFrame(() => document.getElementById(`q-${id}`)?.focus());
  };

  const moveOn = (fromId: string): void => {
    const l = sorted().filter((x) => x.id !== fromId && !approvedByMe.current.has(x.id));
    const idx = list.findIndex((x) => x.id === fromId);
    const next = list.slice(idx + 1).find((x) => l.includes(x)) ?? l[0] ?? null;
    select(next?.id ?? null);
  };

  const runDecision = async (kind: DecisionKind): Promise<void> => {
    if (!current || busy) return;
    if (session.canReview === false) {
      setDecisionError(asGqlError(new Error('This token may not review (it is read-only).')));
      return;
    }
    if (kind !== 'approve') {
      setDialog(kind);
      return;
    }
    const target = current;
    setBusy(true);
    setDecisionError(null);
    try {
      const o = await decide('approve', target.id);
      afterDecision(o);
    } catch (e) {
      setDecisionError(e);
      session.announce(`Approval failed: ${asGqlError(e).message}`);
    } finally {
      setBusy(false);
    }
  };

  const afterDecision = (o: DecisionOutcome): void => {
    setOutcome(o);
    setDecisionError(null);
    session.announce(o.message);
    if (o.quorumOpen) {
      approvedByMe.current.add(o.version.id);
      const it = items.current.get(o.version.id);
      if (it) items.current.set(o.version.id, { ...it, approvalProgress: o.version.approvalProgress });
    }
    moveOn(o.version.id);
    if (!o.quorumOpen) items.current.delete(o.version.id);
    bump();
    loadCounts();
  };

  // Keyboard: j/k move, a approve, r reject, c request changes, o/Enter open.
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (isTyping(e)) return;
      const l = sorted();
      const idx = currentId ? l.findIndex((x) => x.id === currentId) : -1;
      switch (e.key) {
        case 'j':
        case 'ArrowDown': {
          if (e.key === 'ArrowDown' && !(e.target as HTMLElement).classList?.contains('qi-btn')) return;
          const n = l[Math.min(l.length - 1, idx + 1)];
          if (n) select(n.id);
          e.preventDefault();
          break;
        }
        case 'k':
        case 'ArrowUp': {
          if (e.key === 'ArrowUp' && !(e.target as HTMLElement).classList?.contains('qi-btn')) return;
          const n = l[Math.max(0, idx - 1)];
          if (n) select(n.id);
          e.preventDefault();
          break;
        }
        case 'a':
          e.preventDefault();
          void runDecision('approve');
          break;
        case 'r':
          e.preventDefault();
          void runDecision('reject');
          break;
        case 'c':
          e.preventDefault();
          void runDecision('changes');
          break;
        case 'o':
          if (currentId) navigate(href(['v', currentId]));
          break;
        default:
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  const title = slug ? `Review queue — ${scope[0]?.name ?? slug}` : 'Review queue — all projects';
  return (
    <div class="queue-view">
      <div class="view-head">
        <h1>{title}</h1>
        <LiveBadge />
      </div>
      <PrefixFilter slug={slug} prefix={prefix} />
      <dl class="counts" aria-label={`Versions by status${prefix ? ` under ${prefix}` : ''}`}>
        {COUNT_LABELS.map(([k, label]) => (
          <div key={k} class={`count count-${k}`}>
            <dt>{label}</dt>
            <dd>{counts ? counts[k] : '…'}</dd>
          </div>
        ))}
      </dl>
      <ErrorBox error={error} />
      {outcome && (
        <p class={outcome.quorumOpen ? 'notice warn' : 'notice ok'} role="status">
          {outcome.message}
        </p>
      )}
      <p class="keys-hint" id="queue-keys">
        Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous, <kbd>a</kbd> approve, <kbd>r</kbd> reject, <kbd>c</kbd> request changes,{' '}
        <kbd>o</kbd> open.
      </p>
      <div class="queue-layout">
        <section class="queue-list-wrap" aria-labelledby="queue-list-h">
          <h2 id="queue-list-h" class="sr-only">
            Pending versions
          </h2>
          {!ready && list.length === 0 && <Loading what="the queue" />}
          {ready && list.length === 0 && (
            <p class="empty">Nothing to review{prefix ? ` under ${prefix}` : ''}. New versions appear here as they are created.</p>
          )}
          <ol class="queue-list" aria-label="Pending versions, oldest first" aria-describedby="queue-keys" aria-busy={ready ? 'false' : 'true'}>
            {list.map((it) => (
              <li key={it.id} class={`qi${it.id === currentId ? ' selected' : ''}${fresh.current.has(it.id) ? ' fresh' : ''}`}>
                <button
                  type="button"
                  id={`q-${it.id}`}
                  class="qi-btn"
                  aria-current={it.id === currentId ? 'true' : undefined}
                  onClick={() => select(it.id)}
                  onDblClick={() => navigate(href(['v', it.id]))}
                >
                  <span class="qi-line1">
                    <span class="qi-key">{it.schemaKey}</span> <span class="qi-ver">v{it.versionNumber}</span>
                    {!slug && <span class="tag">{it.project.slug}</span>}
                    {approvedByMe.current.has(it.id) && <span class="tag warn">you approved; quorum open</span>}
                  </span>
                  <span class="qi-line2">
                    <ActorLabel actor={it.createdBy} /> · {fmtAgo(it.createdAt)}
                    {it.sourceRun && (
                      <>
                        {' '}
                        · {it.sourceRun.pipeline}
                        {it.sourceRun.model ? ` (${it.sourceRun.model})` : ''}
                      </>
                    )}
                  </span>
                  <span class="qi-line3">
                    <Progress p={it.approvalProgress} />
                  </span>
                </button>
              </li>
            ))}
          </ol>
        </section>
        <section class="queue-preview" aria-label="Selected version">
          {current ? (
            <Preview
              key={current.id}
              item={current}
              busy={busy}
              canReview={session.canReview !== false}
              onDecide={(k) => void runDecision(k)}
              error={decisionError}
            />
          ) : (
            <p class="muted">Select a version to see it here.</p>
          )}
        </section>
      </div>
      {dialog && current && (
        <PreviewDialog
          kind={dialog}
          item={current}
          onDone={(o) => {
            setDialog(null);
            afterDecision(o);
          }}
          onCancel={() => {
            setDialog(null);
            requestAnimationFrame(() => document.getElementById(`q-${current!.id}`)?.focus());
          }}
        />
      )}
    </div>
  );
}

const previewCache = new Map<string, NonNullable<QueuePreviewQuery['artifactVersion']>>();

function PreviewDialog({
  kind,
  item,
  onDone,
  onCancel,
}: {
  kind: 'reject' | 'changes';
  item: Item;
  onDone(o: DecisionOutcome): void;
  onCancel(): void;
}): VNode {
  return (
    <DecisionDialog
      kind={kind}
      target={item}
      topPaths={topLevelPaths(previewCache.get(item.id)?.value)}
      onDone={onDone}
      onCancel={onCancel}
    />
  );
}

function Preview({
  item,
  busy,
  canReview,
  onDecide,
  error,
}: {
  item: Item;
  busy: boolean;
  canReview: boolean;
  onDecide(k: DecisionKind): void;
  error: unknown;
}): VNode {
  const [data, setData] = useState(previewCache.get(item.id) ?? null);
  const [err, setErr] = useState<unknown>(null);
  useEffect(() => {
    if (previewCache.has(item.id)) return;
    let gone = false;
    gql(QueuePreview, { id: item.id })
      .then((d) => {
        if (gone) return;
        if (d.artifactVersion) previewCache.set(item.id, d.artifactVersion);
        setData(d.artifactVersion ?? null);
      })
      .catch((e) => !gone && setErr(e));
    return () => {
      gone = true;
    };
  }, [item.id]);
  const p = item.approvalProgress;
  return (
    <div class="preview">
      <div class="preview-head">
        <h2>
          <a href={href(['v', item.id])}>
            {item.schemaKey} v{item.versionNumber}
          </a>
        </h2>
        <StatusBadge status={item.status} />
        <span class="tag">{item.project.slug}</span>
      </div>
      <p class="meta">
        By <ActorLabel actor={item.createdBy} />, {fmtAgo(item.createdAt)}
        {item.sourceRun && (
          <>
            {' '}
            · run <a href={href(['r', item.sourceRun.id])}>{item.sourceRun.pipeline}</a>
          </>
        )}
      </p>
      <p>
        <Progress p={p} />
        {p.policy && <span class="muted"> · policy {p.policy.schemaKeyPattern}</span>}
      </p>
      {canReview ? (
        <div class="actions" role="group" aria-label="Decision">
          <button type="button" class="btn ok" disabled={busy} onClick={() => onDecide('approve')} aria-keyshortcuts="a">
            Approve <kbd>a</kbd>
          </button>
          <button type="button" class="btn danger" disabled={busy} onClick={() => onDecide('reject')} aria-keyshortcuts="r">
            Reject… <kbd>r</kbd>
          </button>
          <button type="button" class="btn warn" disabled={busy} onClick={() => onDecide('changes')} aria-keyshortcuts="c">
            Request changes… <kbd>c</kbd>
          </button>
          <a class="btn" href={href(['v', item.id])} aria-keyshortcuts="o">
            Open <kbd>o</kbd>
          </a>
        </div>
      ) : (
        <p class="notice">This token may read only: decisions are not offered.</p>
      )}
      <ErrorBox error={error} title="The decision was not made" />
      <ErrorBox error={err} />
      {!data && !err && <Loading what="the value" />}
      {data && (
        <>
          <JsonTree value={data.value} label="value" openDepth={2} />
          {data.files.length > 0 && <FileList files={data.files} />}
          {data.previous ? (
            <PatchView
              patch={data.diff}
              before={data.previous.value}
              beforeLabel={`v${data.previous.versionNumber}`}
              afterLabel={`v${item.versionNumber}`}
              caption={`Changes since v${data.previous.versionNumber}`}
            />
          ) : (
            <p class="muted">First version of this key.</p>
          )}
        </>
      )}
    </div>
  );
}

function PrefixFilter({ slug, prefix }: { slug: string | null; prefix: string }): VNode {
  const [value, setValue] = useState(prefix);
  const base = slug ? ['p', slug, 'queue'] : ['queue'];
  return (
    <form
      class="filter-row"
      role="search"
      aria-label="Filter the queue"
      onSubmit={(e) => {
        e.preventDefault();
        navigate(href(base, { prefix: value.trim() }));
      }}
    >
      <label class="field">
        <span>Schema key prefix</span>
        <input
          type="text"
          name="prefix"
          value={value}
          placeholder="e.g. brand"
          pattern="[a-z0-9_\-]+(\.[a-z0-9_\-]+)*"
          title="A dot path of a-z, 0-9, _ and - segments"
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit" class="btn">
        Filter
      </button>
      {prefix && (
        <a class="btn" href={href(base)}>
          Clear
        </a>
      )}
    </form>
  );
}
