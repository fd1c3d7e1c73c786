// A version's page: its value (JSON tree, markdown, files), its changes
// against the previous version and the key's current APPROVED one, where it
// came from, its review (progress, history, the feedback it answers), its
// annotations and its schema; and the decision, when it is pending.

import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { asGqlError, gql, GqlError } from '../api/client';
import { DiffAgainst, QueueSnapshot, ValueAsSchema, VersionContext, VersionPage } from '../api/ops';
import { ActorLabel, Loading, Progress, Section, StatusBadge } from '../components/Bits';
import { DecisionDialog, decide, topLevelPaths, type DecisionKind, type DecisionOutcome } from '../components/Decide';
import { ErrorBox } from '../components/ErrorBox';
import { FileList } from '../components/Files';
import { JsonTree } from '../components/JsonTree';
import { PatchView } from '../components/PatchView';
import type { VersionContextQuery, VersionPageQuery } from '../generated/graphql';
import { fmtCost, fmtInt, fmtTime, humanize } from '../lib/format';
import { atDotPath, isObject, MISSING } from '../lib/json';
import { href, navigate } from '../lib/route';
import { useSession } from '../session';
import { isTyping } from './Queue';

type V = NonNullable<VersionPageQuery['artifactVersion']>;

interface Gate {
  path: string;
  tier: string;
}

/** Properties a JSON Schema marks with x-quire-tier, as dot paths ([] for array items). */
export function gatedFields(schema: unknown, prefix = '', out: Gate[] = [], seen = 0): Gate[] {
  if (!isObject(schema) || seen > 2000) return out;
  const tier = schema['x-quire-tier'];
  if (typeof tier === 'string' && prefix) out.push({ path: prefix, tier });
  const props = schema.properties;
  if (isObject(props)) {
    for (const [k, s] of Object.entries(props)) gatedFields(s, prefix ? `${prefix}.${k}` : k, out, seen + 1);
  }
  if (isObject(schema.additionalProperties)) gatedFields(schema.additionalProperties, `${prefix}.*`, out, seen + 1);
  if (isObject(schema.items)) gatedFields(schema.items, `${prefix}[]`, out, seen + 1);
  if (Array.isArray(schema.prefixItems)) schema.prefixItems.forEach((s, i) => gatedFields(s, `${prefix}[${i}]`, out, seen + 1));
  if (Array.isArray(schema.allOf)) schema.allOf.forEach((s) => gatedFields(s, prefix, out, seen + 1));
  return out;
}

function presentIn(value: unknown, path: string): boolean {
  if (/[[*]/.test(path)) return false;
  return atDotPath(value, path) !== MISSING;
}

export function VersionView({ id }: { id: string }): VNode {
  const session = useSession();
  const [v, setV] = useState<V | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const [ctx, setCtx] = useState<VersionContextQuery | null>(null);
  const [approvedDiff, setApprovedDiff] = useState<unknown>(undefined);
  const [newest, setNewest] = useState<{ value?: unknown; error?: unknown } | null>(null);
  const [reload, setReload] = useState(0);
  const [outcome, setOutcome] = useState<DecisionOutcome | null>(null);
  const [decErr, setDecErr] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [dialog, setDialog] = useState<'reject' | 'changes' | null>(null);
  const [nextId, setNextId] = useState<string | null | undefined>(undefined);

  useEffect(() => {
    let gone = false;
    setErr(null);
    (async () => {
      try {
        const d = await gql(VersionPage, { id });
        if (gone) return;
        const ver = d.artifactVersion;
        if (!ver) {
          setErr(new GqlError([{ message: `no version ${id} that this token may see`, extensions: { code: 'NOT_FOUND' } }]));
          return;
        }
        setV(ver);
        const c = await gql(VersionContext, { slug: ver.project.slug, key: ver.schemaKey });
        if (gone) return;
        setCtx(c);
        const cur = c.project?.artifact?.current;
        if (cur && cur.id !== ver.id) {
          const dd = await gql(DiffAgainst, { id: ver.id, against: cur.id });
          if (!gone) setApprovedDiff(dd.artifactVersion?.diff ?? null);
        } else setApprovedDiff(null);
        const newestSchema = c.artifactSchema?.version;
        if (newestSchema && ver.schemaVersion != null && ver.schemaVersion < newestSchema) {
          try {
            const nv = await gql(ValueAsSchema, { id: ver.id, schemaVersion: newestSchema });
            if (!gone) setNewest({ value: nv.artifactVersion?.value });
          } catch (e) {
            if (!gone) setNewest({ error: e });
          }
        } else setNewest(null);
      } catch (e) {
        if (!gone) setErr(e);
      }
    })();
    return () => {
      gone = true;
    };
  }, [id, reload]);

  const pending = v?.status === 'PENDING';

  const findNext = async (ver: V): Promise<void> => {
    try {
      const d = await gql(QueueSnapshot, { slug: ver.project.slug });
      const next = d.project?.reviewQueue.edges.map((e) => e.node).find((n) => n.id !== ver.id);
      setNextId(next?.id ?? null);
    } catch {
      setNextId(null);
    }
  };

  const done = (o: DecisionOutcome): void => {
    setOutcome(o);
    setDecErr(null);
    session.announce(o.message);
    setReload((n) => n + 1);
    if (v) void findNext(v);
  };

  const run = async (k: DecisionKind): Promise<void> => {
    if (!v || !pending || busy) return;
    if (k !== 'approve') {
      setDialog(k);
      return;
    }
    setBusy(true);
    try {
      done(await decide('approve', v.id));
    } catch (e) {
      setDecErr(e);
      session.announce(`Approval failed: ${asGqlError(e).message}`);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (isTyping(e) || !pending || session.canReview === false) return;
      if (e.key === 'a') void run('approve');
      else if (e.key === 'r') void run('reject');
      else if (e.key === 'c') void run('changes');
      else if (e.key === 'n' && nextId) navigate(href(['v', nextId]));
      else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  if (err) return <ErrorBox error={err} title="This version cannot be shown" />;
  if (!v) return <Loading what="the version" />;

  const current = ctx?.project?.artifact?.current ?? null;
  const latest = ctx?.project?.artifact?.latest ?? null;
  const schema = ctx?.artifactSchema ?? null;
  const gates = schema ? gatedFields(schema.jsonSchema) : [];
  const hidden = gates.filter((g) => g.tier !== v.project.tier && !presentIn(v.value, g.path));
  const answers = v.base?.approvals.filter((a) => a.action === 'REQUEST_CHANGES' || a.action === 'REJECT') ?? [];

  return (
    <div class="version-view">
      <div class="view-head">
        <h1>
          {v.schemaKey} <span class="ver">v{v.versionNumber}</span>
        </h1>
        <StatusBadge status={v.status} />
        {v.promoted && <span class="tag ok">in context</span>}
        {v.archived && <span class="tag">archived</span>}
      </div>
      <p class="meta">
        <a href={href(['p', v.project.slug, 'queue'])}>{v.project.name}</a> · created by <ActorLabel actor={v.createdBy} /> ·{' '}
        {fmtTime(v.createdAt)}
        {latest && latest.id !== v.id && (
          <>
            {' '}
            · newest is <a href={href(['v', latest.id])}>v{latest.versionNumber}</a>
          </>
        )}
      </p>

      {outcome && (
        <div class={outcome.quorumOpen ? 'notice warn' : 'notice ok'} role="status">
          <p>{outcome.message}</p>
          {nextId !== undefined &&
            (nextId ? (
              <p>
                <a class="btn" href={href(['v', nextId])} aria-keyshortcuts="n">
                  Next in the queue <kbd>n</kbd>
                </a>{' '}
                <a href={href(['p', v.project.slug, 'queue'])}>Back to the queue</a>
              </p>
            ) : (
              <p>
                The queue is empty. <a href={href(['p', v.project.slug, 'queue'])}>Back to the queue</a>
              </p>
            ))}
        </div>
      )}

      {pending && session.canReview !== false && (
        <div class="actions sticky-actions" role="group" aria-label="Decision">
          <Progress p={v.approvalProgress} />
          <button type="button" class="btn ok" disabled={busy} onClick={() => void run('approve')} aria-keyshortcuts="a">
            Approve <kbd>a</kbd>
          </button>
          <button type="button" class="btn danger" disabled={busy} onClick={() => void run('reject')} aria-keyshortcuts="r">
            Reject… <kbd>r</kbd>
          </button>
          <button type="button" class="btn warn" disabled={busy} onClick={() => void run('changes')} aria-keyshortcuts="c">
            Request changes… <kbd>c</kbd>
          </button>
        </div>
      )}
      {pending && session.canReview === false && <p class="notice">This token may read only: decisions are not offered.</p>}
      <ErrorBox error={decErr} title="The decision was not made" />

      <div class="grid">
        <Section title="Value" id="value">
          {hidden.length > 0 && (
            <p class="notice gated" role="note">
              This project is at tier <strong>{v.project.tier}</strong>: fields gated to another tier are hidden here:{' '}
              {hidden.map((g, i) => (
                <span key={g.path}>
                  {i > 0 && ', '}
                  <code>{g.path}</code> ({g.tier})
                </span>
              ))}
              .
            </p>
          )}
          <JsonTree value={v.value} label="value" />
          {v.files.length > 0 && (
            <>
              <h3>Files</h3>
              <FileList files={v.files} primaryId={v.primaryFile?.id ?? null} />
            </>
          )}
        </Section>

        <Section title="Changes" id="changes">
          {v.previous ? (
            <PatchView
              patch={v.diff}
              before={v.previous.value}
              beforeLabel={`v${v.previous.versionNumber} (previous, ${humanize(v.previous.status)})`}
              afterLabel={`v${v.versionNumber}`}
              caption={`Against the previous version, v${v.previous.versionNumber}`}
            />
          ) : (
            <p class="muted">Version 1: there is no previous version.</p>
          )}
          {current === null && ctx && <p class="muted">The key has no APPROVED version to compare with.</p>}
          {current && current.id === v.id && <p class="muted">This is the key's current APPROVED version.</p>}
          {current && current.id !== v.id && approvedDiff !== undefined && (
            <PatchView
              patch={approvedDiff}
              before={current.value}
              beforeLabel={`v${current.versionNumber} (approved)`}
              afterLabel={`v${v.versionNumber}`}
              caption={`Against the current APPROVED version, v${current.versionNumber}`}
            />
          )}
        </Section>

        <Section title="Review" id="review">
          <Progress p={v.approvalProgress} />
          <dl class="facts">
            {v.approvalProgress.policy && (
              <Fact k="Policy">
                <code>{v.approvalProgress.policy.schemaKeyPattern}</code>: {v.approvalProgress.policy.requiredApprovals} approval(s)
                {v.approvalProgress.policy.requiredActorTypes.length > 0 &&
                  `, including ${v.approvalProgress.policy.requiredActorTypes.map(humanize).join(', ')}`}
              </Fact>
            )}
            <Fact k="Approvals still needed">{v.approvalProgress.stillNeeded}</Fact>
            <Fact k="Actor types still required">
              {v.approvalProgress.missingActorTypes.length > 0 ? v.approvalProgress.missingActorTypes.map(humanize).join(', ') : 'none'}
            </Fact>
            {v.ruleOutcome && <Fact k="Rule outcome">{v.ruleOutcome}</Fact>}
            {v.reviewedBy && (
              <Fact k="Reviewed">
                <ActorLabel actor={v.reviewedBy} />, {fmtTime(v.reviewedAt)}
              </Fact>
            )}
            {v.rejectionReason && <Fact k="Rejection reason">{v.rejectionReason}</Fact>}
          </dl>
          <h3>History</h3>
          {v.approvals.length === 0 ? (
            <p class="muted">No review yet.</p>
          ) : (
            <ol class="history">
              {v.approvals.map((a) => (
                <li key={a.id}>
                  <span class={`op-badge act-${a.action.toLowerCase()}`}>{humanize(a.action)}</span> <ActorLabel actor={a.actor} />{' '}
                  <span class="muted">{fmtTime(a.createdAt)}</span>
                  {a.contextVersion != null && <span class="muted"> · context v{a.contextVersion}</span>}
                  {a.reason && <p class="reason">“{a.reason}”</p>}
                  {a.feedback != null && <JsonTree value={a.feedback} label="feedback" openDepth={3} />}
                </li>
              ))}
            </ol>
          )}
          {v.base && (
            <>
              <h3>Revises</h3>
              <p>
                <a href={href(['v', v.base.id])}>v{v.base.versionNumber}</a> ({humanize(v.base.status)})
              </p>
              {answers.map((a) => (
                <div key={a.id} class="answers">
                  <p>
                    Feedback it answers, by <ActorLabel actor={a.actor} />
                    {a.reason && <>: “{a.reason}”</>}
                  </p>
                  {a.feedback != null && <JsonTree value={a.feedback} label="feedback" />}
                </div>
              ))}
            </>
          )}
          {v.revisions.length > 0 && (
            <>
              <h3>Revised by</h3>
              <ul class="inline-list">
                {v.revisions.map((r) => (
                  <li key={r.id}>
                    <a href={href(['v', r.id])}>v{r.versionNumber}</a> <StatusBadge status={r.status} />
                  </li>
                ))}
              </ul>
            </>
          )}
        </Section>

        <Section title="Source" id="source">
          {v.sourceRun ? (
            <dl class="facts">
              <Fact k="Run">
                <a href={href(['r', v.sourceRun.id])}>{v.sourceRun.pipeline}</a> <StatusBadge status={v.sourceRun.status} />
              </Fact>
              <Fact k="Model">{v.sourceRun.model ?? '—'}</Fact>
              <Fact k="Tokens">
                {fmtInt(v.sourceRun.inputTokens)} in / {fmtInt(v.sourceRun.outputTokens)} out
              </Fact>
              <Fact k="Cost">{fmtCost(v.sourceRun.cost)}</Fact>
              <Fact k="Started">{fmtTime(v.sourceRun.createdAt)}</Fact>
            </dl>
          ) : (
            <p class="muted">No source run was named.</p>
          )}
          {v.sourceStep && (
            <>
              <h3>
                Step {v.sourceStep.order}: {v.sourceStep.agentName}
              </h3>
              <dl class="facts">
                <Fact k="Agent id">{v.sourceStep.agentId}</Fact>
                <Fact k="Model">{v.sourceStep.model ?? '—'}</Fact>
                <Fact k="Tokens">
                  {fmtInt(v.sourceStep.inputTokens)} in / {fmtInt(v.sourceStep.outputTokens)} out
                </Fact>
                <Fact k="Cost">{fmtCost(v.sourceStep.cost)}</Fact>
              </dl>
              {v.sourceStep.summary && <p class="summary">{v.sourceStep.summary}</p>}
              {v.sourceStep.output && (
                <details>
                  <summary>Step output ({fmtInt(v.sourceStep.outputTokenCount)} tokens)</summary>
                  <pre class="output">{v.sourceStep.output}</pre>
                </details>
              )}
            </>
          )}
        </Section>

        <Section title="Annotations" id="annotations">
          {v.annotations == null ? <p class="muted">None.</p> : <JsonTree value={v.annotations} label="annotations" />}
          {v.annotationHistory.length > 0 && (
            <details>
              <summary>{v.annotationHistory.length} change(s) to the annotations</summary>
              <ol class="history">
                {v.annotationHistory.map((h) => (
                  <li key={h.revision}>
                    Revision {h.revision} by <ActorLabel actor={h.actor} /> <span class="muted">{fmtTime(h.createdAt)}</span>
                    <JsonTree value={h.annotations} label={`revision ${h.revision}`} openDepth={1} />
                  </li>
                ))}
              </ol>
            </details>
          )}
        </Section>

        <Section title="Schema" id="schema">
          <dl class="facts">
            <Fact k="Validated against">
              {v.schemaVersion != null ? `schema v${v.schemaVersion} of ${v.schemaKey}` : 'no schema (none was registered)'}
            </Fact>
            <Fact k="Newest schema">{schema ? `v${schema.version}, ${fmtTime(schema.createdAt)}` : 'none'}</Fact>
            <Fact k="Project tier">{v.project.tier}</Fact>
            <Fact k="Digest">
              <code class="digest">{v.digest}</code>
            </Fact>
          </dl>
          {gates.length > 0 && (
            <p>
              Gated fields:{' '}
              {gates.map((g, i) => (
                <span key={g.path}>
                  {i > 0 && ', '}
                  <code>{g.path}</code> → {g.tier}
                </span>
              ))}
            </p>
          )}
          {newest?.error != null && <ErrorBox error={newest.error} title={`This value does not read in the newest schema's shape (v${schema?.version})`} />}
          {newest && newest.error == null && (
            <details>
              <summary>The value in the newest schema's shape (v{schema?.version})</summary>
              <JsonTree value={newest.value} label={`value as schema v${schema?.version}`} />
            </details>
          )}
          <p class="muted">
            Quire validates each value against its key's newest schema when it is written, so a stored version has no
            violations of its own schema; refused writes list theirs (<code>extensions.violations</code>).
          </p>
        </Section>
      </div>

      {dialog && (
        <DecisionDialog
          kind={dialog}
          target={v}
          topPaths={topLevelPaths(v.value)}
          onDone={(o) => {
            setDialog(null);
            done(o);
          }}
          onCancel={() => setDialog(null)}
        />
      )}
    </div>
  );
}

export function Fact({ k, children }: { k: string; children: preact.ComponentChildren }): VNode {
  return (
    <div class="fact">
      <dt>{k}</dt>
      <dd>{children}</dd>
    </div>
  );
}
