// Runs of a project: filterable, paged both ways, with their cost by
// model, pipeline or day as a chart.

import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { gql } from '../api/client';
import { Costs, Runs } from '../api/ops';
import { BarChart } from '../components/BarChart';
import { ActorLabel, Loading, Section, StatusBadge } from '../components/Bits';
import { ErrorBox } from '../components/ErrorBox';
import type { CostGrouping, CostsQuery, RunFilter, RunOrder, RunStatus, RunsQuery, RunsQueryVariables } from '../generated/graphql';
import { fmtCost, fmtInt, fmtTime, humanize } from '../lib/format';
import { href, navigate } from '../lib/route';

const STATUSES: RunStatus[] = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'];
const ORDERS: Record<string, { label: string; order: RunOrder | null }> = {
  newest: { label: 'Newest first', order: null },
  oldest: { label: 'Oldest first', order: { field: 'CREATED_AT', direction: 'ASC' } },
  costly: { label: 'Most expensive first', order: { field: 'COST', direction: 'DESC' } },
  completed: { label: 'Recently completed first', order: { field: 'COMPLETED_AT', direction: 'DESC' } },
};
const PAGE = 25;

type Conn = NonNullable<RunsQuery['project']>['runs'];

function toIso(date: string, endOfDay = false): string | undefined {
  if (!date) return undefined;
  return `${date}T${endOfDay ? '23:59:59' : '00:00:00'}Z`;
}

export function filterFromQuery(q: URLSearchParams): RunFilter {
  const f: RunFilter = {};
  const st = (q.get('status') ?? '').split(',').filter((s): s is RunStatus => (STATUSES as string[]).includes(s));
  if (st.length) f.status = st;
  if (q.get('pipeline')) f.pipeline = q.get('pipeline');
  if (q.get('model')) f.model = q.get('model');
  const from = toIso(q.get('from') ?? '');
  const to = toIso(q.get('to') ?? '', true);
  if (from) f.createdAfter = from;
  if (to) f.createdBefore = to;
  if (q.get('minCost')) f.minCost = q.get('minCost');
  return f;
}

export function RunsView({ slug, query }: { slug: string; query: URLSearchParams }): VNode {
  const where = filterFromQuery(query);
  const orderKey = query.get('order') ?? 'newest';
  const order = ORDERS[orderKey]?.order ?? null;
  const [page, setPage] = useState<{ after?: string; before?: string }>({});
  const [conn, setConn] = useState<Conn | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const qs = query.toString();

  useEffect(() => setPage({}), [slug, qs]);

  useEffect(() => {
    let gone = false;
    const vars: RunsQueryVariables = { slug, where };
    if (order) vars.orderBy = order;
    if (page.before) {
      vars.last = PAGE;
      vars.before = page.before;
    } else {
      vars.first = PAGE;
      if (page.after) vars.after = page.after;
    }
    setErr(null);
    gql(Runs, vars)
      .then((d) => !gone && setConn(d.project?.runs ?? null))
      .catch((e) => !gone && setErr(e));
    return () => {
      gone = true;
    };
  }, [slug, qs, page.after, page.before]);

  return (
    <div class="runs-view">
      <div class="view-head">
        <h1>Runs</h1>
      </div>
      <RunFilters slug={slug} query={query} />
      <ErrorBox error={err} />
      <Section title={conn ? `Runs (${fmtInt(conn.totalCount)})` : 'Runs'} id="runs">
        {!conn && !err && <Loading what="runs" />}
        {conn && conn.edges.length === 0 && <p class="empty">No run matches.</p>}
        {conn && conn.edges.length > 0 && (
          <>
            <div class="scroll-x">
              <table class="data runs-table">
                <caption class="sr-only">Runs</caption>
                <thead>
                  <tr>
                    <th scope="col">Pipeline</th>
                    <th scope="col">Model</th>
                    <th scope="col">Status</th>
                    <th scope="col" class="num">
                      Tokens in / out
                    </th>
                    <th scope="col" class="num">
                      Cost
                    </th>
                    <th scope="col">Created by</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {conn.edges.map(({ node: r }) => (
                    <tr key={r.id}>
                      <th scope="row" data-label="Pipeline">
                        <a href={href(['r', r.id])}>{r.pipeline}</a>
                      </th>
                      <td data-label="Model">{r.model ?? '—'}</td>
                      <td data-label="Status">
                        <StatusBadge status={r.status} />
                      </td>
                      <td class="num" data-label="Tokens">
                        {fmtInt(r.inputTokens)} / {fmtInt(r.outputTokens)}
                      </td>
                      <td class="num" data-label="Cost">
                        {fmtCost(r.cost)}
                      </td>
                      <td data-label="Created by">
                        <ActorLabel actor={r.createdBy} />
                      </td>
                      <td data-label="Created">{fmtTime(r.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <nav class="pager" aria-label="Pages of runs">
              <button
                type="button"
                class="btn"
                disabled={!(page.after || (page.before && conn.pageInfo.hasPreviousPage))}
                onClick={() => conn.pageInfo.startCursor && setPage({ before: conn.pageInfo.startCursor })}
              >
                ← Previous
              </button>
              <button
                type="button"
                class="btn"
                disabled={page.before ? false : !conn.pageInfo.hasNextPage}
                onClick={() => conn.pageInfo.endCursor && setPage({ after: conn.pageInfo.endCursor })}
              >
                Next →
              </button>
            </nav>
          </>
        )}
      </Section>
      <CostChart slug={slug} from={where.createdAfter ?? undefined} to={where.createdBefore ?? undefined} />
    </div>
  );
}

function RunFilters({ slug, query }: { slug: string; query: URLSearchParams }): VNode {
  const [form, setForm] = useState(() => ({
    status: new Set((query.get('status') ?? '').split(',').filter(Boolean)),
    pipeline: query.get('pipeline') ?? '',
    model: query.get('model') ?? '',
    from: query.get('from') ?? '',
    to: query.get('to') ?? '',
    minCost: query.get('minCost') ?? '',
    order: query.get('order') ?? 'newest',
  }));
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  return (
    <form
      class="filters"
      role="search"
      aria-label="Filter runs"
      onSubmit={(e) => {
        e.preventDefault();
        navigate(
          href(['p', slug, 'runs'], {
            status: [...form.status].join(','),
            pipeline: form.pipeline.trim(),
            model: form.model.trim(),
            from: form.from,
            to: form.to,
            minCost: form.minCost.trim(),
            order: form.order === 'newest' ? '' : form.order,
          }),
        );
      }}
    >
      <fieldset class="status-set">
        <legend>Status</legend>
        {STATUSES.map((s) => (
          <label key={s} class="inline-check">
            <input
              type="checkbox"
              checked={form.status.has(s)}
              onChange={(e) => {
                const n = new Set(form.status);
                if ((e.target as HTMLInputElement).checked) n.add(s);
                else n.delete(s);
                setForm({ ...form, status: n });
              }}
            />
            {humanize(s)}
          </label>
        ))}
      </fieldset>
      <label class="field">
        <span>Pipeline</span>
        <input type="text" value={form.pipeline} onInput={set('pipeline')} maxLength={200} />
      </label>
      <label class="field">
        <span>Model</span>
        <input type="text" value={form.model} onInput={set('model')} maxLength={200} />
      </label>
      <label class="field">
        <span>Created from</span>
        <input type="date" value={form.from} onInput={set('from')} min="2000-01-01" max="2100-12-31" />
      </label>
      <label class="field">
        <span>Created to</span>
        <input type="date" value={form.to} onInput={set('to')} min="2000-01-01" max="2100-12-31" />
      </label>
      <label class="field">
        <span>Minimum cost</span>
        <input type="text" inputMode="decimal" pattern="[0-9]+(\.[0-9]+)?" value={form.minCost} onInput={set('minCost')} />
      </label>
      <div class="field">
        <label for="runs-order">Order</label>
        <select id="runs-order" value={form.order} onChange={set('order')}>
          {Object.entries(ORDERS).map(([k, o]) => (
            <option key={k} value={k}>
              {o.label}
            </option>
          ))}
        </select>
      </div>
      <div class="filter-actions">
        <button type="submit" class="btn">
          Apply
        </button>
        <a class="btn" href={href(['p', slug, 'runs'])}>
          Reset
        </a>
      </div>
    </form>
  );
}

function CostChart({ slug, from, to }: { slug: string; from: string | undefined; to: string | undefined }): VNode {
  const [groupBy, setGroupBy] = useState<CostGrouping>('MODEL');
  const [buckets, setBuckets] = useState<NonNullable<CostsQuery['project']>['costSummary'] | null>(null);
  const [err, setErr] = useState<unknown>(null);
  useEffect(() => {
    let gone = false;
    setErr(null);
    const vars: { slug: string; groupBy: CostGrouping; from?: string; to?: string } = { slug, groupBy };
    if (from) vars.from = from;
    if (to) vars.to = to;
    gql(Costs, vars)
      .then((d) => !gone && setBuckets(d.project?.costSummary ?? []))
      .catch((e) => !gone && setErr(e));
    return () => {
      gone = true;
    };
  }, [slug, groupBy, from, to]);
  const label = { MODEL: 'model', PIPELINE: 'pipeline', DAY: 'day' }[groupBy];
  return (
    <Section
      title="Cost"
      id="cost"
      actions={
        <div class="field inline">
          <label for="cost-group">Group by</label>
          <select id="cost-group" value={groupBy} onChange={(e) => setGroupBy((e.target as HTMLSelectElement).value as CostGrouping)}>
            <option value="MODEL">Model</option>
            <option value="PIPELINE">Pipeline</option>
            <option value="DAY">Day</option>
          </select>
        </div>
      }
    >
      <ErrorBox error={err} />
      {!buckets && !err && <Loading what="costs" />}
      {buckets && (
        <BarChart
          title={`Cost by ${label}`}
          unit="Cost"
          bars={buckets.map((b) => ({
            label: b.key,
            value: Number(b.cost),
            display: fmtCost(b.cost),
            note: `${fmtInt(b.runs)} runs, ${fmtInt(b.inputTokens)} in / ${fmtInt(b.outputTokens)} out tokens${
              b.unpricedRuns > 0 ? `, ${b.unpricedRuns} unpriced (not in the cost)` : ''
            }`,
          }))}
        />
      )}
    </Section>
  );
}
