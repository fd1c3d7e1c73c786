// A JSON value as a tree people can read: objects and arrays fold
// (<details>), strings that read as markdown are rendered (toggle), every
// other leaf shows as JSON.

import type { ComponentChildren, VNode } from 'preact';
import { useState } from 'preact/hooks';
import { isObject } from '../lib/json';
import { Markdown, looksLikeMarkdown } from './Markdown';

interface Opts {
  markdown: boolean;
  openDepth: number;
}

function Leaf({ v, opts }: { v: unknown; opts: Opts }): VNode {
  if (v === null) return <span class="j-null">null</span>;
  switch (typeof v) {
    case 'string':
      if (opts.markdown && looksLikeMarkdown(v)) {
        return (
          <div class="j-md">
            <Markdown text={v} />
          </div>
        );
      }
      if (v.includes('\n') || v.length > 120) return <pre class="j-str j-long">{v}</pre>;
      return <span class="j-str">"{v}"</span>;
    case 'number':
      return <span class="j-num">{String(v)}</span>;
    case 'boolean':
      return <span class="j-bool">{String(v)}</span>;
    default:
      return <span>{JSON.stringify(v)}</span>;
  }
}

function Node({ label, v, depth, opts }: { label: ComponentChildren; v: unknown; depth: number; opts: Opts }): VNode {
  const isArr = Array.isArray(v);
  if (isArr || isObject(v)) {
    const entries: [string, unknown][] = isArr ? v.map((x, i) => [String(i), x]) : Object.entries(v);
    const meta = isArr ? `[${entries.length}]` : `{${entries.length}}`;
    if (entries.length === 0) {
      return (
        <li>
          {label}
          <span class="j-meta">{isArr ? '[]' : '{}'}</span>
        </li>
      );
    }
    return (
      <li>
        <details open={depth < opts.openDepth}>
          <summary>
            {label}
            <span class="j-meta">{meta}</span>
          </summary>
          <ul class="j-children">
            {entries.map(([k, x]) => (
              <Node
                key={k}
                label={<span class={isArr ? 'j-idx' : 'j-key'}>{isArr ? `[${k}]` : k}</span>}
                v={x}
                depth={depth + 1}
                opts={opts}
              />
            ))}
          </ul>
        </details>
      </li>
    );
  }
  return (
    <li class="j-leaf">
      {label}
      <Leaf v={v} opts={opts} />
    </li>
  );
}

export function JsonTree({
  value,
  label,
  openDepth = 3,
  markdownToggle = true,
}: {
  value: unknown;
  label: string;
  openDepth?: number;
  markdownToggle?: boolean;
}): VNode {
  const [markdown, setMarkdown] = useState(true);
  const hasMd = markdownToggle && containsMarkdown(value);
  return (
    <div class="json-tree">
      {hasMd && (
        <label class="inline-check">
          <input type="checkbox" checked={markdown} onChange={(e) => setMarkdown((e.target as HTMLInputElement).checked)} />
          Render markdown in {label}
        </label>
      )}
      <ul class="j-root" aria-label={label}>
        <Node label={<span class="j-key j-rootkey">{label}</span>} v={value} depth={0} opts={{ markdown, openDepth }} />
      </ul>
    </div>
  );
}

function containsMarkdown(v: unknown, budget = { n: 2000 }): boolean {
  if (budget.n-- <= 0) return false;
  if (typeof v === 'string') return looksLikeMarkdown(v);
  if (Array.isArray(v)) return v.some((x) => containsMarkdown(x, budget));
  if (isObject(v)) return Object.values(v).some((x) => containsMarkdown(x, budget));
  return false;
}

/** A compact one-line preview of a value. */
export function previewValue(v: unknown, max = 90): string {
  let s: string;
  try {
    s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}
