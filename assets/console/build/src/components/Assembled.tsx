// The context an agent of a run gets (assembleContext), in prompt order.

import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { gql } from '../api/client';
import { Assemble } from '../api/ops';
import type { AssembleQuery } from '../generated/graphql';
import { fmtInt, humanize } from '../lib/format';
import { href } from '../lib/route';
import { ErrorBox } from './ErrorBox';

type A = AssembleQuery['assembleContext'];

export function AssembleForm({ runId, runs }: { runId?: string; runs?: { id: string; label: string }[] }): VNode {
  const [run, setRun] = useState(runId ?? runs?.[0]?.id ?? '');
  const [budget, setBudget] = useState('8000');
  const [shortTerm, setShortTerm] = useState('2');
  const [paths, setPaths] = useState('');
  const [result, setResult] = useState<A | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!run) return;
    setBusy(true);
    setErr(null);
    try {
      const list = paths
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      const vars: { runId: string; budget: number; shortTermSteps: number; paths?: string[] } = {
        runId: run,
        budget: Number(budget) || 8000,
        shortTermSteps: Number(shortTerm) || 0,
      };
      if (list.length) vars.paths = list;
      setResult((await gql(Assemble, vars)).assembleContext);
    } catch (ex) {
      setErr(ex);
      setResult(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="assemble">
      <form class="filters" onSubmit={submit} aria-label="Assemble a run's context">
        {runs && (
          <div class="field">
            <label for="assemble-run">Run</label>
            <select id="assemble-run" value={run} onChange={(e) => setRun((e.target as HTMLSelectElement).value)}>
              {runs.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label}
                </option>
              ))}
            </select>
          </div>
        )}
        <label class="field">
          <span>Token budget</span>
          <input type="number" min={1} max={10000000} value={budget} onInput={(e) => setBudget((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span>Short-term steps</span>
          <input type="number" min={0} max={100} value={shortTerm} onInput={(e) => setShortTerm((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field grow">
          <span>Paths, most wanted first (comma-separated; empty: all)</span>
          <input type="text" value={paths} onInput={(e) => setPaths((e.target as HTMLInputElement).value)} />
        </label>
        <div class="filter-actions">
          <button type="submit" class="btn" disabled={busy || !run}>
            Assemble
          </button>
        </div>
      </form>
      <ErrorBox error={err} />
      {result && <AssembledView a={result} />}
    </div>
  );
}

export function AssembledView({ a }: { a: A }): VNode {
  return (
    <div class="assembled" aria-live="polite">
      <p>
        <strong>{fmtInt(a.totalTokens)}</strong> of {fmtInt(a.budgetTokens)} tokens ({a.tokenizer}), from context version{' '}
        {a.contextVersion}; {a.items.length} item(s) kept, {a.dropped.length} dropped.
      </p>
      <meter min={0} max={a.budgetTokens} value={a.totalTokens} aria-label="Budget used" class="budget" />
      <ol class="items">
        {a.items.map((it, i) => (
          <li key={i} class={`item tier-${it.tier.toLowerCase()}`}>
            <div class="item-head">
              <span class={`tier tier-${it.tier.toLowerCase()}`}>{humanize(it.tier)}</span> <code>{it.source}</code>{' '}
              <span class="muted">{fmtInt(it.tokens)} tokens</span>
              {it.version && (
                <>
                  {' '}
                  · <a href={href(['v', it.version.id])}>{it.version.schemaKey} v{it.version.versionNumber}</a>
                </>
              )}
            </div>
            <details>
              <summary>Text</summary>
              <pre class="output">{it.text}</pre>
            </details>
          </li>
        ))}
      </ol>
      {a.dropped.length > 0 && (
        <>
          <h3>Dropped to fit the budget (in the order they went)</h3>
          <ol class="dropped">
            {a.dropped.map((d, i) => (
              <li key={i}>
                {humanize(d.tier)} <code>{d.source}</code> — {fmtInt(d.tokens)} tokens
              </li>
            ))}
          </ol>
        </>
      )}
    </div>
  );
}
