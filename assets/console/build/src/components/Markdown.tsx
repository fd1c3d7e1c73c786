// Markdown rendered safely and small: a parser of the common subset
// (headings, paragraphs, lists and task lists, fenced code, quotes, rules,
// GFM tables; code spans, strong, emphasis, strikethrough, links) that
// builds Preact elements directly. No HTML string is ever parsed into the
// page: raw HTML shows as text, images are not loaded (they would come from
// other origins), and only http(s)/mailto links are links.

import type { ComponentChildren, VNode } from 'preact';

const SAFE_HREF = /^(https?:|mailto:)/i;

// ---- inline -------------------------------------------------------------

const INLINE =
  /(`+)([\s\S]*?[^`])\1(?!`)|(\*\*|__)(?=\S)([\s\S]*?\S)\3|(\*|_)(?=\S)([\s\S]*?\S)\5|~~(?=\S)([\s\S]*?\S)~~|!?\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)|<((?:https?:\/\/|mailto:)[^>\s]+)>|(https?:\/\/[^\s<]*[^\s<.,;:!?)\]'"])/;

function link(href: string, children: ComponentChildren, key: number): VNode {
  if (!SAFE_HREF.test(href)) return <span key={key}>{children}</span>;
  return (
    <a key={key} href={href} rel="noopener noreferrer nofollow" target="_blank">
      {children}
    </a>
  );
}

export function inline(text: string, depth = 0): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let rest = text;
  let key = 0;
  while (rest.length > 0) {
    const m = depth > 8 ? null : INLINE.exec(rest);
    if (!m) {
      out.push(rest);
      break;
    }
    if (m.index > 0) out.push(rest.slice(0, m.index));
    const whole = m[0];
    if (m[1] !== undefined) out.push(<code key={key++}>{m[2]!.replace(/^ (.*) $/, '$1')}</code>);
    else if (m[3] !== undefined) out.push(<strong key={key++}>{inline(m[4]!, depth + 1)}</strong>);
    else if (m[5] !== undefined) {
      // An underscore inside a word is not emphasis (snake_case).
      const before = rest[m.index - 1];
      if (m[5] === '_' && before && /\w/.test(before)) out.push(whole);
      else out.push(<em key={key++}>{inline(m[6]!, depth + 1)}</em>);
    } else if (m[7] !== undefined) out.push(<del key={key++}>{inline(m[7], depth + 1)}</del>);
    else if (m[8] !== undefined) {
      if (whole.startsWith('!')) out.push(<span key={key++} class="md-image">[image: {m[8] || 'untitled'} — {m[9]}]</span>);
      else out.push(link(m[9]!, inline(m[8], depth + 1), key++));
    } else if (m[10] !== undefined) out.push(link(m[10], m[10], key++));
    else if (m[11] !== undefined) out.push(link(m[11], m[11], key++));
    rest = rest.slice(m.index + whole.length);
  }
  return out;
}

function inlineLines(text: string): ComponentChildren[] {
  const lines = text.split('\n');
  const out: ComponentChildren[] = [];
  lines.forEach((l, i) => {
    if (i > 0) out.push(<br key={`br${i}`} />);
    out.push(...inline(l.replace(/\s+$/, '')));
  });
  return out;
}

// ---- blocks -------------------------------------------------------------

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?/;
const ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, '|'));
}

function startsBlock(line: string, next: string | undefined): boolean {
  return (
    FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line) ||
    (line.includes('|') && next !== undefined && TABLE_SEP.test(next))
  );
}

function blocks(lines: string[], depth: number): VNode[] {
  const out: VNode[] = [];
  let i = 0;
  let key = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trimStart().startsWith(fence[1]!)) body.push(lines[i++]!);
      i++;
      out.push(
        <pre key={key++} class="md-code">
          <code>{body.join('\n')}</code>
        </pre>,
      );
      continue;
    }
    const h = HEADING.exec(line);
    if (h) {
      // Inside a page whose sections use h2/h3, value headings start at h4.
      const Tag = `h${Math.min(6, h[1]!.length + 3)}` as 'h4';
      out.push(
        <Tag key={key++} class="md-h">
          {inline(h[2]!)}
        </Tag>,
      );
      i++;
      continue;
    }
    if (RULE.test(line)) {
      out.push(<hr key={key++} />);
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      while (i < lines.length && lines[i]!.trim() !== '' && (QUOTE.test(lines[i]!) || body.length > 0)) {
        body.push(lines[i]!.replace(QUOTE, ''));
        i++;
      }
      out.push(<blockquote key={key++}>{depth < 6 ? blocks(body, depth + 1) : body.join('\n')}</blockquote>);
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      const indent = item[1]!.length;
      const ordered = /\d/.test(item[2]!);
      const start = ordered ? parseInt(item[2]!, 10) : 1;
      const items: string[][] = [];
      while (i < lines.length) {
        const l = lines[i]!;
        const m = ITEM.exec(l);
        if (m && m[1]!.length === indent && /\d/.test(m[2]!) === ordered) {
          items.push([m[3]!]);
          i++;
        } else if (l.trim() === '' && i + 1 < lines.length && /^\s+\S/.test(lines[i + 1]!) && (lines[i + 1]!.search(/\S/) > indent)) {
          items[items.length - 1]!.push('');
          i++;
        } else if (l.trim() !== '' && l.search(/\S/) > indent) {
          items[items.length - 1]!.push(l.slice(Math.min(l.search(/\S/), indent + 2)));
          i++;
        } else break;
      }
      const lis = items.map((body, j) => {
        let first = body[0]!;
        let check: VNode | null = null;
        const task = /^\[([ xX])\]\s+/.exec(first);
        if (task) {
          const done = task[1] !== ' ';
          check = (
            <span role="img" aria-label={done ? 'done' : 'not done'}>
              {done ? '☑ ' : '☐ '}
            </span>
          );
          first = first.slice(task[0].length);
        }
        const rest = body.slice(1);
        return (
          <li key={j}>
            {check}
            {inlineLines(first)}
            {rest.length > 0 && depth < 6 && blocks(rest, depth + 1)}
          </li>
        );
      });
      out.push(
        ordered ? (
          <ol key={key++} start={start}>
            {lis}
          </ol>
        ) : (
          <ul key={key++}>{lis}</ul>
        ),
      );
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]!)) {
      const head = cells(line);
      const rows: string[][] = [];
      i += 2;
      while (i < lines.length && lines[i]!.includes('|') && lines[i]!.trim() !== '') rows.push(cells(lines[i++]!));
      out.push(
        <div key={key++} class="scroll-x">
          <table class="md-table">
            <thead>
              <tr>
                {head.map((c, j) => (
                  <th key={j} scope="col">
                    {inline(c)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, j) => (
                <tr key={j}>
                  {head.map((_, k) => (
                    <td key={k}>{inline(r[k] ?? '')}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>,
      );
      continue;
    }
    const para: string[] = [line];
    i++;
    while (i < lines.length && lines[i]!.trim() !== '' && !startsBlock(lines[i]!, lines[i + 1])) para.push(lines[i++]!);
    out.push(<p key={key++}>{inlineLines(para.join('\n').trim())}</p>);
  }
  return out;
}

export function Markdown({ text }: { text: string }): VNode {
  return <div class="markdown">{blocks(text.replace(/\r\n?/g, '\n').split('\n'), 0)}</div>;
}

/** Whether a string reads as markdown (worth rendering) rather than a plain value. */
export function looksLikeMarkdown(s: string): boolean {
  if (s.length < 12) return false;
  return /(^|\n)(#{1,6} |[-*+] |\d+\. |> |```)|\*\*[^*]+\*\*|\[[^\]]+\]\([^)]+\)|\n\n/.test(s);
}
