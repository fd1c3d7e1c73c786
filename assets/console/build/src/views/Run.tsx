import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { gql, GqlError } from '../api/client';
import { RunPage } from '../api/ops';
import { AssembleForm } from '../components/Assembled';
import { ActorLabel, Loading, Section, StatusBadge } from '../components/Bits';
import { ErrorBox } from '../components/ErrorBox';
import { JsonTree } from '../components/JsonTree';
import type { RunPageQuery } from '../generated/graphql';
import { fmtCost, fmtInt, fmtTime } from '../lib/format';
import { href } from '../lib/route';
import { Fact } from './Version';

type R = NonNullable<RunPageQuery['run']>;

export function RunView({ id }: { id: string }): VNode {
  const [r, setR] = useState<R | null>(null);
  const [err, setErr] = useState<unknown>(null);
  useEffect(() => {
    let gone = false;
    setR(null);
    gql(RunPage, { id })
      .then((d) => {
        if (gone) return;
        if (!d.run) setErr(new GqlError([{ message: `no run ${id} that this token may see`, extensions: { code: 'NOT_FOUND' } }]));
        else setR(d.run);
      })
      .catch((e) => !gone && setErr(e));
    return () => {
      gone = true;
    };
  }, [id]);
  if (err) return <ErrorBox error={err} title="This run cannot be shown" />;
  if (!r) return <Loading what="the run" />;
  return (
    <div class="run-view">
      <div class="view-head">
        <h1>
          Run: {r.pipeline}
        </h1>
        <StatusBadge status={r.status} />
      </div>
      <p class="meta">
        <a href={href(['p', r.project.slug, 'runs'])}>{r.project.name}</a> · <code>{r.id}</code>
      </p>
      <div class="grid">
        <Section title="Summary" id="summary">
          <dl class="facts">
            <Fact k="Model">{r.model ?? '—'}</Fact>
            <Fact k="Tokens">
              {fmtInt(r.inputTokens)} in / {fmtInt(r.outputTokens)} out
            </Fact>
            <Fact k="Cost">{fmtCost(r.cost)}</Fact>
            <Fact k="Created by">
              <ActorLabel actor={r.createdBy} />
            </Fact>
            <Fact k="Created">{fmtTime(r.createdAt)}</Fact>
            <Fact k="Started">{fmtTime(r.startedAt)}</Fact>
            <Fact k="Completed">{fmtTime(r.completedAt)}</Fact>
            {r.parent && (
              <Fact k="Parent run">
                <a href={href(['r', r.parent.id])}>{r.parent.pipeline}</a>
              </Fact>
            )}
            {r.error && <Fact k="Error">{r.error}</Fact>}
          </dl>
          {r.children.length > 0 && (
            <>
              <h3>Child runs</h3>
              <ul class="inline-list">
                {r.children.map((c) => (
                  <li key={c.id}>
                    <a href={href(['r', c.id])}>{c.pipeline}</a> <StatusBadge status={c.status} />
                  </li>
                ))}
              </ul>
            </>
          )}
          {r.input && (
            <details>
              <summary>Input</summary>
              <pre class="output">{r.input}</pre>
            </details>
          )}
          {r.variables != null && <JsonTree value={r.variables} label="variables" openDepth={1} />}
          {r.output && (
            <details>
              <summary>Output</summary>
              <pre class="output">{r.output}</pre>
            </details>
          )}
        </Section>

        <Section title="Outputs and inputs" id="outputs">
          <h3>Versions this run produced</h3>
          {r.outputs.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <ul class="link-list">
              {r.outputs.map((v) => (
                <li key={v.id}>
                  <a href={href(['v', v.id])}>
                    {v.schemaKey} v{v.versionNumber}
                  </a>{' '}
                  <StatusBadge status={v.status} />
                </li>
              ))}
            </ul>
          )}
          <h3>Versions it read</h3>
          {r.inputs.length === 0 ? (
            <p class="muted">None recorded.</p>
          ) : (
            <ul class="link-list">
              {r.inputs.map((v) => (
                <li key={v.id}>
                  <a href={href(['v', v.id])}>
                    {v.schemaKey} v{v.versionNumber}
                  </a>{' '}
                  <StatusBadge status={v.status} />
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>

      <Section title={`Steps (${r.steps.length})`} id="steps">
        {r.steps.length === 0 ? (
          <p class="muted">No steps recorded.</p>
        ) : (
          <ol class="steps">
            {r.steps.map((s) => (
              <li key={s.id} class="step">
                <div class="step-head">
                  <span class="step-order">#{s.order}</span> <strong>{s.agentName}</strong> <code class="muted">{s.agentId}</code>
                </div>
                <dl class="facts compact">
                  <Fact k="Model">{s.model ?? '—'}</Fact>
                  <Fact k="Tokens">
                    {fmtInt(s.inputTokens)} in / {fmtInt(s.outputTokens)} out
                  </Fact>
                  <Fact k="Output tokens counted">{fmtInt(s.outputTokenCount)}</Fact>
                  <Fact k="Cost">{fmtCost(s.cost)}</Fact>
                  <Fact k="Recorded">{fmtTime(s.createdAt)}</Fact>
                </dl>
                {s.summary ? (
                  <p class="summary">
                    <span class="muted">Summary ({fmtInt(s.summaryTokenCount)} tokens):</span> {s.summary}
                  </p>
                ) : (
                  <p class="muted">No summary.</p>
                )}
                {s.output && (
                  <details>
                    <summary>Output</summary>
                    <pre class="output">{s.output}</pre>
                  </details>
                )}
              </li>
            ))}
          </ol>
        )}
      </Section>

      <Section title="Assembled context" id="assembled">
        <p class="muted">What the next agent of this run gets from Quire, cut to a token budget.</p>
        <AssembleForm runId={r.id} />
      </Section>
    </div>
  );
}
