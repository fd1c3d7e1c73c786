export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 6901: the value at a JSON pointer, or `missing`. */
export const MISSING = Symbol('missing');
export function atPointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  if (!pointer.startsWith('/')) return MISSING;
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9]\d*)$/.test(key)) return MISSING;
      const i = Number(key);
      if (i >= cur.length) return MISSING;
      cur = cur[i];
    } else if (isObject(cur)) {
      if (!Object.prototype.hasOwnProperty.call(cur, key)) return MISSING;
      cur = cur[key];
    } else return MISSING;
  }
  return cur;
}

/** The value at a dot path (a schema key / context path), or MISSING. */
export function atDotPath(doc: unknown, path: string): unknown {
  if (!path) return doc;
  let cur: unknown = doc;
  for (const seg of path.split('.')) {
    if (isObject(cur) && Object.prototype.hasOwnProperty.call(cur, seg)) cur = cur[seg];
    else if (Array.isArray(cur) && /^\d+$/.test(seg) && Number(seg) < cur.length) cur = cur[Number(seg)];
    else return MISSING;
  }
  return cur;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  const bk = Object.keys(bo);
  if (ak.length !== bk.length) return false;
  return ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && deepEqual(ao[k], bo[k]));
}

export interface PatchOp {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

export function asPatch(v: unknown): PatchOp[] {
  if (!Array.isArray(v)) return [];
  return v.filter((o): o is PatchOp => isObject(o) && typeof o.op === 'string' && typeof o.path === 'string');
}

function escapePtr(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A simple RFC 6902 patch from a to b (objects by key, other values whole). */
export function diffJson(a: unknown, b: unknown, path = ''): PatchOp[] {
  if (deepEqual(a, b)) return [];
  if (isObject(a) && isObject(b)) {
    const ops: PatchOp[] = [];
    for (const k of Object.keys(a)) {
      if (!(k in b)) ops.push({ op: 'remove', path: `${path}/${escapePtr(k)}` });
    }
    for (const k of Object.keys(b)) {
      const p = `${path}/${escapePtr(k)}`;
      if (!(k in a)) ops.push({ op: 'add', path: p, value: b[k] });
      else ops.push(...diffJson(a[k], b[k], p));
    }
    return ops;
  }
  return [{ op: 'replace', path, value: b }];
}

/** A pointer shown as a readable path: /colors/0/hex -> colors[0].hex */
export function readablePointer(pointer: string): string {
  if (pointer === '') return '(whole value)';
  const segs = pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const s of segs) {
    if (/^\d+$/.test(s) || s === '-') out += `[${s}]`;
    else out += out ? `.${s}` : s;
  }
  return out;
}

export function pretty(v: unknown): string {
  if (v === MISSING) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v, null, 2) ?? String(v);
}
