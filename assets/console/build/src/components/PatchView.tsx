// An RFC 6902 patch shown side by side: for each operation, the path in
// words, what was there before (read from the document the patch applies
// to) and what is there after.

import type { VNode } from 'preact';
import { MISSING, asPatch, atPointer, pretty, readablePointer, type PatchOp } from '../lib/json';

function Cell({ v, empty }: { v: unknown; empty: string }): VNode {
  if (v === MISSING) return <span class="absent">{empty}</span>;
  const text = pretty(v);
  // Multi-line strings read as text; other strings keep their quotes.
  if (typeof v === 'string') return <pre class="diff-val">{v.includes('\n') ? v : JSON.stringify(v)}</pre>;
  return <pre class="diff-val">{text}</pre>;
}

const OP_LABEL: Record<string, string> = {
  add: 'added',
  remove: 'removed',
  replace: 'changed',
  move: 'moved',
  copy: 'copied',
  test: 'test',
};

export function PatchView({
  patch,
  before,
  beforeLabel,
  afterLabel,
  caption,
}: {
  patch: unknown;
  /** The document the patch applies to (null when the patch replaces all). */
  before: unknown;
  beforeLabel: string;
  afterLabel: string;
  caption: string;
}): VNode {
  const ops = asPatch(patch).filter((o) => o.op !== 'test');
  if (ops.length === 0) {
    return (
      <p class="muted">
        {caption}: no difference.
      </p>
    );
  }
  return (
    <div class="scroll-x">
      <table class="diff-table">
        <caption>
          {caption} — {ops.length} change{ops.length === 1 ? '' : 's'}
        </caption>
        <thead>
          <tr>
            <th scope="col">Path</th>
            <th scope="col">{beforeLabel}</th>
            <th scope="col">{afterLabel}</th>
          </tr>
        </thead>
        <tbody>
          {ops.map((o, i) => (
            <Row key={i} o={o} before={before} beforeLabel={beforeLabel} afterLabel={afterLabel} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Row({ o, before, beforeLabel, afterLabel }: { o: PatchOp; before: unknown; beforeLabel: string; afterLabel: string }): VNode {
  const old = o.op === 'add' ? atPointer(before, o.path) : o.op === 'move' ? atPointer(before, o.from ?? '') : atPointer(before, o.path);
  let after: unknown = MISSING;
  if (o.op === 'add' || o.op === 'replace') after = o.value;
  else if (o.op === 'move' || o.op === 'copy') after = atPointer(before, o.from ?? '');
  const label = OP_LABEL[o.op] ?? o.op;
  return (
    <tr class={`op-${o.op}`}>
      <th scope="row">
        <span class={`op-badge op-${o.op}`}>{label}</span> <code>{readablePointer(o.path)}</code>
        {o.from !== undefined && (
          <span class="muted"> from <code>{readablePointer(o.from)}</code></span>
        )}
      </th>
      <td class="diff-old" data-label={beforeLabel}>
        <Cell v={o.op === 'add' && old === MISSING ? MISSING : old} empty="(absent)" />
      </td>
      <td class="diff-new" data-label={afterLabel}>
        <Cell v={after} empty={o.op === 'remove' ? '(removed)' : '(absent)'} />
      </td>
    </tr>
  );
}
