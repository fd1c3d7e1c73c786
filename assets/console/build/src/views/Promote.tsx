// Promotion: pick APPROVED versions, see the change they would make to the
// context (path by path, side by side), and promote them under the context
// version read. A CONFLICT (someone promoted first) shows what changed in
// between and offers to retry on the new context version.

import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { asGqlError, gql, GqlError } from '../api/client';
import { ContextChange, Promote, PromoteData } from '../api/ops';
import { ActorLabel, Loading, Section } from '../components/Bits';
import { ErrorBox } from '../components/ErrorBox';
import { JsonTree, previewValue } from '../components/JsonTree';
import { PatchView } from '../components/PatchView';
import type { ContextChangeQuery, PromoteDataQuery } from '../generated/graphql';
import { fmtTime } from '../lib/format';
import { diffJson } from '../lib/json';
import { href } from '../lib/route';
import { useSession } from '../session';

type Data = NonNullable<PromoteDataQuery['project']>;
type Entry = Data['contextEntries'][number];
type Approved = Data['versions']['edges'][number]['node'];

interface Conflict {
  expected: number;
  current: number;
  change: NonNullable<ContextChangeQuery['project']> | null;
  error?: unknown;
}

interface Plan {
  v: Approved;
  before: unknown;
  hasBefore: boolean;
  replaces: Entry[];
  blockedBy: Entry | null;
}

function setAt(obj: Record<string, unknown>, rel: string, value: unknown): void {
  const segs = rel.split('.');
  let cur = obj;
  segs.forEach((s, i) => {
    if (i === segs.length - 1) cur[s] = value;
    else {
      if (typeof cur[s] !== 'object' || cur[s] === null) cur[s] = {};
      cur = cur[s] as Record<string, unknown>;
    }
  });
}

function planFor(v: Approved, entries: Entry[]): Plan {
  const key = v.schemaKey;
  const exact = entries.find((e) => e.path === key);
  const blockedBy = entries.find((e) => key.startsWith(e.path + '.')) ?? null;
  const replaces = entries.filter((e) => e.path.startsWith(key + '.'));
  if (exact) return { v, before: exact.value, hasBefore: true, replaces, blockedBy };
  if (replaces.length > 0) {
    const composed: Record<string, unknown> = {};
    for (const e of replaces) setAt(composed, e.path.slice(key.length + 1), e.value);
    return { v, before: composed, hasBefore: true, replaces, blockedBy };
  }
  return { v, before: null, hasBefore: false, replaces, blockedBy };
}

export function PromoteView({ slug }: { slug: string }): VNode {
  const session = useSession();
  const [data, setData] = useState<Data | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [showPromoted, setShowPromoted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [promoteErr, setPromoteErr] = useState<unknown>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);

  const load = async (): Promise<Data | null> => {
    try {
      const d = await gql(PromoteData, { slug });
      if (!d.project) throw new GqlError([{ message: `no project ${slug}`, extensions: { code: 'NOT_FOUND' } }]);
      setData(d.project);
      setErr(null);
      return d.project;
    } catch (e) {
      setErr(e);
      return null;
    }
  };

  useEffect(() => {
    setData(null);
    setSelected(new Set());
    setConflict(null);
    setResult(null);
    void load();
  }, [slug]);

  if (err) return <ErrorBox error={err} title="The promotion view cannot be shown" />;
  if (!data) return <Loading what="approved versions" />;

  const approved = data.versions.edges.map((e) => e.node);
  const visible = approved.filter((v) => showPromoted || !v.promoted || selected.has(v.id));
  const plans = approved.filter((v) => selected.has(v.id)).map((v) => planFor(v, data.contextEntries));

  const toggle = (id: string, on: boolean): void => {
    setSelected((s) => {
      const n = new Set(s);
      if (on) n.add(id);
      else n.delete(id);
      return n;
    });
  };

  const promote = async (expected: number): Promise<void> => {
    if (plans.length === 0 || busy) return;
    setBusy(true);
    setPromoteErr(null);
    setResult(null);
    try {
      const r = await gql(Promote, {
        input: { projectId: data.id, expectedContextVersion: expected, versionIds: plans.map((p) => p.v.id) },
      });
      const names = r.promote.promoted.map((p) => `${p.schemaKey} v${p.versionNumber}`).join(', ');
      const msg = `Promoted ${names}. The context is now version ${r.promote.contextVersion}.`;
      setResult(msg);
      session.announce(msg);
      setConflict(null);
      setSelected(new Set());
      await load();
    } catch (e) {
      const g = asGqlError(e);
      const current = g.ext<number>('currentContextVersion');
      if (g.hasCode('CONFLICT') && typeof current === 'number') {
        session.announce(`Conflict: the context moved from version ${expected} to ${current}.`);
        const c: Conflict = { expected, current, change: null };
        setConflict(c);
        try {
          const ch = await gql(ContextChange, { slug, from: expected, to: current });
          setConflict({ ...c, change: ch.project ?? null });
        } catch (e2) {
          setConflict({ ...c, error: e2 });
        }
        const fresh = await load();
        if (fresh) {
          const still = new Set(fresh.versions.edges.map((x) => x.node.id));
          setSelected((s) => new Set([...s].filter((id) => still.has(id))));
        }
      } else {
        setPromoteErr(g);
        session.announce(`Promotion failed: ${g.message}`);
      }
    } finally {
      setBusy(false);
    }
  };

  const readVersion = data.contextVersion;
  return (
    <div class="promote-view">
      <div class="view-head">
        <h1>Promote into the context</h1>
        <span class="tag">context v{readVersion}</span>
      </div>
      <p class="muted">
        Approved values are written into the project context at their schema keys. The promotion applies only if the
        context is still at version {readVersion} (the one read here).
      </p>
      {session.canReview === false && <p class="notice">This token may read only: it cannot promote.</p>}

      {result && (
        <p class="notice ok" role="status">
          {result}
        </p>
      )}

      {conflict && (
        <section class="notice warn conflict" aria-labelledby="conflict-h" role="alert">
          <h2 id="conflict-h">Conflict: the context changed</h2>
          <p>
            You read context version {conflict.expected}; it is now version {conflict.current}. Nothing was promoted.
          </p>
          <ErrorBox error={conflict.error} />
          {conflict.change && (
            <>
              <ul>
                {conflict.change.approvals.edges
                  .map((e) => e.node)
                  .filter((a) => a.contextVersion != null && a.contextVersion > conflict.expected && a.contextVersion <= conflict.current)
                  .map((a) => (
                    <li key={a.id}>
                      Context v{a.contextVersion}: {a.version ? `${a.version.schemaKey} v${a.version.versionNumber}` : 'a version'} promoted by{' '}
                      <ActorLabel actor={a.actor} /> at {fmtTime(a.createdAt)}
                    </li>
                  ))}
              </ul>
              <PatchView
                patch={diffJson(conflict.change.before ?? {}, conflict.change.after ?? {})}
                before={conflict.change.before ?? {}}
                beforeLabel={`context v${conflict.expected}`}
                afterLabel={`context v${conflict.current}`}
                caption="What changed in the context meanwhile"
              />
            </>
          )}
          <p>The change your selection would make is shown again below, against the new context.</p>
          <button
            type="button"
            class="btn ok"
            disabled={busy || plans.length === 0}
            onClick={() => void promote(readVersion)}
          >
            Retry on context v{readVersion}
          </button>
        </section>
      )}
      <ErrorBox error={promoteErr} title="Nothing was promoted" />

      <Section title="Approved versions" id="approved">
        <label class="inline-check">
          <input type="checkbox" checked={showPromoted} onChange={(e) => setShowPromoted((e.target as HTMLInputElement).checked)} />
          Also show versions already in the context
        </label>
        {visible.length === 0 ? (
          <p class="empty">No approved version waits for promotion.</p>
        ) : (
          <div class="scroll-x">
            <table class="data select-table">
              <caption class="sr-only">Approved versions to promote</caption>
              <thead>
                <tr>
                  <th scope="col">
                    <span class="sr-only">Select</span>
                  </th>
                  <th scope="col">Key</th>
                  <th scope="col">Value</th>
                  <th scope="col">Approved</th>
                  <th scope="col">In context</th>
                </tr>
              </thead>
              <tbody>
                {visible.map((v) => (
                  <tr key={v.id} class={selected.has(v.id) ? 'selected' : ''}>
                    <td>
                      <input
                        type="checkbox"
                        id={`sel-${v.id}`}
                        checked={selected.has(v.id)}
                        onChange={(e) => toggle(v.id, (e.target as HTMLInputElement).checked)}
                        aria-label={`Select ${v.schemaKey} v${v.versionNumber}`}
                      />
                    </td>
                    <th scope="row">
                      <a href={href(['v', v.id])}>
                        {v.schemaKey} v{v.versionNumber}
                      </a>
                    </th>
                    <td class="clip">
                      <code>{previewValue(v.value, 60)}</code>
                    </td>
                    <td>
                      <ActorLabel actor={v.reviewedBy} />
                    </td>
                    <td>{v.promoted ? 'yes' : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>

      <Section title="What the promotion would change" id="plan">
        {plans.length === 0 ? (
          <p class="muted">Select approved versions to see the change they would make.</p>
        ) : (
          <>
            {plans.map((p) => (
              <div class="plan" key={p.v.id}>
                <h3>
                  <code>{p.v.schemaKey}</code> ← v{p.v.versionNumber}
                </h3>
                {p.blockedBy && (
                  <p class="notice warn">
                    <code>{p.blockedBy.path}</code> is promoted as a whole: promoting a key below it is refused (CONFLICT). Promote a
                    version of <code>{p.blockedBy.path}</code> that holds it instead.
                  </p>
                )}
                {p.replaces.length > 0 && (
                  <p class="notice">
                    Replaces the promoted paths below it: {p.replaces.map((e) => e.path).join(', ')}.
                  </p>
                )}
                {p.hasBefore ? (
                  <PatchView
                    patch={diffJson(p.before, p.v.value)}
                    before={p.before}
                    beforeLabel={`context v${readVersion}`}
                    afterLabel={`after promotion`}
                    caption={`Context at ${p.v.schemaKey}`}
                  />
                ) : (
                  <>
                    <p>A new path in the context:</p>
                    <JsonTree value={p.v.value} label={p.v.schemaKey} openDepth={2} />
                  </>
                )}
              </div>
            ))}
            {session.canReview !== false && (
              <div class="actions">
                <button type="button" class="btn ok" disabled={busy} onClick={() => void promote(readVersion)}>
                  Promote {plans.length} version{plans.length === 1 ? '' : 's'} at context v{readVersion}
                </button>
              </div>
            )}
          </>
        )}
      </Section>
    </div>
  );
}
