// A project's context: the tree of promoted paths with where each value
// came from, its revisions over time (contextAt), and the context a run's
// agent would be given (assembleContext).

import type { ComponentChildren, VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { gql, GqlError } from '../api/client';
import { ContextPage, ContextRevision } from '../api/ops';
import { AssembleForm } from '../components/Assembled';
import { ActorLabel, Loading, Section } from '../components/Bits';
import { ErrorBox } from '../components/ErrorBox';
import { JsonTree } from '../components/JsonTree';
import { PatchView } from '../components/PatchView';
import type { ContextPageQuery, ContextRevisionQuery } from '../generated/graphql';
import { fmtTime } from '../lib/format';
import { diffJson } from '../lib/json';
import { href } from '../lib/route';

type P = NonNullable<ContextPageQuery['project']>;
type Entry = P['contextEntries'][number];

interface TreeNode {
  seg: string;
  path: string;
  entry?: Entry;
  children: Map<string, TreeNode>;
}

function buildTree(entries: Entry[]): TreeNode {
  const root: TreeNode = { seg: '', path: '', children: new Map() };
  for (const e of entries) {
    let cur = root;
    const segs = e.path.split('.');
    segs.forEach((s, i) => {
      let n = cur.children.get(s);
      if (!n) {
        n = { seg: s, path: segs.slice(0, i + 1).join('.'), children: new Map() };
        cur.children.set(s, n);
      }
      cur = n;
    });
    cur.entry = e;
  }
  return root;
}

function TreeItem({ n }: { n: TreeNode }): VNode {
  const kids = [...n.children.values()];
  let body: ComponentChildren = null;
  if (n.entry) {
    const e = n.entry;
    body = (
      <div class="ctx-entry">
        <p class="meta">
          from{' '}
          <a href={href(['v', e.version.id])}>
            {e.version.schemaKey} v{e.version.versionNumber}
          </a>
          {e.version.sourceRun && (
            <>
              {' '}
              (run <a href={href(['r', e.version.sourceRun.id])}>{e.version.sourceRun.pipeline}</a>)
            </>
          )}{' '}
          · promoted in context v{e.contextVersion} by <ActorLabel actor={e.promotedBy} />, {fmtTime(e.promotedAt)}
        </p>
        <JsonTree value={e.value} label={n.path} openDepth={1} />
      </div>
    );
  }
  return (
    <li>
      <span class="ctx-seg">
        <code>{n.seg}</code>
        {n.entry && <span class="tag ok">promoted</span>}
      </span>
      {body}
      {kids.length > 0 && (
        <ul class="ctx-tree">
          {kids.map((k) => (
            <TreeItem key={k.path} n={k} />
          ))}
        </ul>
      )}
    </li>
  );
}

export function ContextView({ slug }: { slug: string }): VNode {
  const [p, setP] = useState<P | null>(null);
  const [err, setErr] = useState<unknown>(null);
  useEffect(() => {
    let gone = false;
    setP(null);
    gql(ContextPage, { slug })
      .then((d) => {
        if (gone) return;
        if (!d.project) setErr(new GqlError([{ message: `no project ${slug}`, extensions: { code: 'NOT_FOUND' } }]));
        else setP(d.project);
      })
      .catch((e) => !gone && setErr(e));
    return () => {
      gone = true;
    };
  }, [slug]);
  if (err) return <ErrorBox error={err} title="The context cannot be shown" />;
  if (!p) return <Loading what="the context" />;
  const tree = buildTree(p.contextEntries);
  return (
    <div class="context-view">
      <div class="view-head">
        <h1>Context</h1>
        <span class="tag">version {p.contextVersion}</span>
        <span class="tag">tier {p.tier}</span>
      </div>
      <div class="grid">
        <Section title="Promoted paths" id="tree">
          {p.contextEntries.length === 0 ? (
            <p class="empty">Nothing is promoted yet.</p>
          ) : (
            <ul class="ctx-tree ctx-root" aria-label="Context paths">
              {[...tree.children.values()].map((k) => (
                <TreeItem key={k.path} n={k} />
              ))}
            </ul>
          )}
        </Section>
        <Section title="Revisions" id="revisions">
          <Revisions p={p} slug={slug} />
        </Section>
      </div>
      <Section title="Assembled context for a run" id="assembled">
        <p class="muted">The context a run's next agent gets, as assembleContext gives it.</p>
        {p.runs.edges.length === 0 ? (
          <p class="muted">No runs yet.</p>
        ) : (
          <AssembleForm
            runs={p.runs.edges.map(({ node: r }) => ({
              id: r.id,
              label: `${r.pipeline}${r.model ? ` (${r.model})` : ''} · ${r.status.toLowerCase()} · ${fmtTime(r.createdAt)}`,
            }))}
          />
        )}
      </Section>
    </div>
  );
}

function Revisions({ p, slug }: { p: P; slug: string }): VNode {
  const [v, setV] = useState(p.contextVersion);
  const [rev, setRev] = useState<NonNullable<ContextRevisionQuery['project']> | null>(null);
  const [err, setErr] = useState<unknown>(null);
  useEffect(() => {
    let gone = false;
    setRev(null);
    setErr(null);
    gql(ContextRevision, { slug, version: v, previous: Math.max(0, v - 1) })
      .then((d) => !gone && setRev(d.project ?? null))
      .catch((e) => !gone && setErr(e));
    return () => {
      gone = true;
    };
  }, [slug, v]);
  const promotions = p.approvals.edges.map((e) => e.node).filter((a) => a.contextVersion === v);
  if (p.contextVersion === 0) return <p class="muted">The context has had no promotion yet (version 0 is empty).</p>;
  return (
    <div class="revisions">
      <div class="rev-nav">
        <button type="button" class="btn small" disabled={v <= 1} onClick={() => setV(v - 1)} aria-label="Older revision">
          ← Older
        </button>
        <label class="field inline">
          <span>Revision</span>
          <input
            type="range"
            min={1}
            max={p.contextVersion}
            value={v}
            onInput={(e) => setV(Number((e.target as HTMLInputElement).value))}
            aria-valuetext={`context version ${v} of ${p.contextVersion}`}
          />
        </label>
        <output aria-live="polite">
          v{v} of {p.contextVersion}
        </output>
        <button type="button" class="btn small" disabled={v >= p.contextVersion} onClick={() => setV(v + 1)} aria-label="Newer revision">
          Newer →
        </button>
      </div>
      {promotions.length > 0 ? (
        <ul class="link-list">
          {promotions.map((a) => (
            <li key={a.id}>
              {a.version ? (
                <a href={href(['v', a.version.id])}>
                  {a.version.schemaKey} v{a.version.versionNumber}
                </a>
              ) : (
                'a version'
              )}{' '}
              promoted by <ActorLabel actor={a.actor} />, {fmtTime(a.createdAt)}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">No promotion entry for this revision (a schema upgrade makes revisions too).</p>
      )}
      <ErrorBox error={err} />
      {!rev && !err && <Loading what={`context v${v}`} />}
      {rev && (
        <>
          <PatchView
            patch={diffJson(rev.before ?? {}, rev.at ?? {})}
            before={rev.before ?? {}}
            beforeLabel={`v${v - 1}`}
            afterLabel={`v${v}`}
            caption={`What v${v} changed`}
          />
          <details>
            <summary>The whole context at v{v}</summary>
            <JsonTree value={rev.at ?? {}} label={`context v${v}`} openDepth={2} />
          </details>
        </>
      )}
    </div>
  );
}
