// Talks to Quire over its public API only: GraphQL over HTTP POST at
// /graphql (same origin), live events over the WebSocket at /graphql/ws
// (graphql-transport-ws, token in connection_init), files from the URLs the
// API gives, with the same bearer token.

import { createClient, type Client } from 'graphql-ws';

const TOKEN_KEY = 'quire.console.token';
export const HTTP_ENDPOINT = '/graphql';
export const WS_PATH = '/graphql/ws';

/** A typed operation: its text, with its result and variables types. */
export type Op<TData, TVars> = string & { readonly __types?: [TData, TVars] };

export function op<TData, TVars = Record<string, never>>(text: string): Op<TData, TVars> {
  return text as Op<TData, TVars>;
}

export interface GqlErrorItem {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown> & { code?: string };
}

/** One or more GraphQL errors (or a transport failure, code NETWORK/HTTP_<status>). */
export class GqlError extends Error {
  readonly errors: GqlErrorItem[];
  constructor(errors: GqlErrorItem[]) {
    super(errors.map((e) => (e.extensions?.code ? `${e.extensions.code}: ${e.message}` : e.message)).join('; '));
    this.name = 'GqlError';
    this.errors = errors;
  }
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
  ext<T = unknown>(key: string): T | undefined {
    for (const e of this.errors) {
      if (e.extensions && key in e.extensions) return e.extensions[key] as T;
    }
    return undefined;
  }
  hasCode(code: string): boolean {
    return this.errors.some((e) => e.extensions?.code === code);
  }
}

export function asGqlError(e: unknown): GqlError {
  if (e instanceof GqlError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new GqlError([{ message }]);
}

// ---- token --------------------------------------------------------------

export function loadToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage refused (private mode): the token lives for this page only */
  }
}

let currentToken: string | null = loadToken();
const unauthListeners = new Set<() => void>();

export function setToken(token: string | null): void {
  currentToken = token;
  saveToken(token);
  resetSocket();
}

export function getToken(): string | null {
  return currentToken;
}

export function onUnauthenticated(fn: () => void): () => void {
  unauthListeners.add(fn);
  return () => unauthListeners.delete(fn);
}

function authHeader(token = currentToken): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

// ---- HTTP ---------------------------------------------------------------

function operationName(text: string): string | undefined {
  return /\b(?:query|mutation|subscription)\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(text)?.[1];
}

/**
 * Runs one query or mutation. Resolves with `data` when there are no errors;
 * rejects with a GqlError otherwise (a partial result is in `partial`).
 */
export async function gql<TData, TVars>(
  doc: Op<TData, TVars>,
  variables?: TVars,
  opts: { token?: string; signal?: AbortSignal } = {},
): Promise<TData> {
  const { data, errors } = await gqlRaw(doc, variables, opts);
  if (errors && errors.length > 0) {
    const err = new GqlError(errors);
    (err as GqlError & { partial?: unknown }).partial = data;
    throw err;
  }
  if (data == null) throw new GqlError([{ message: 'empty response', extensions: { code: 'CLIENT' } }]);
  return data;
}

/** Like gql, but hands back data and errors together (for partial results). */
export async function gqlRaw<TData, TVars>(
  doc: Op<TData, TVars>,
  variables?: TVars,
  opts: { token?: string; signal?: AbortSignal } = {},
): Promise<{ data: TData | null; errors: GqlErrorItem[] | undefined }> {
  let response: Response;
  const init: RequestInit = {
    method: 'POST',
    credentials: 'omit',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json',
      ...authHeader(opts.token ?? currentToken),
    },
    body: JSON.stringify({ query: doc, variables: variables ?? {}, operationName: operationName(doc) }),
  };
  if (opts.signal) init.signal = opts.signal;
  try {
    response = await fetch(HTTP_ENDPOINT, init);
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new GqlError([{ message: `cannot reach Quire: ${(e as Error).message}`, extensions: { code: 'NETWORK' } }]);
  }
  const text = await response.text();
  let body: { data?: TData | null; errors?: GqlErrorItem[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new GqlError([
      {
        message: `HTTP ${response.status} ${response.statusText}: ${text.slice(0, 300)}`,
        extensions: { code: response.status === 401 ? 'UNAUTHENTICATED' : `HTTP_${response.status}` },
      },
    ]);
  }
  const errors = body.errors;
  if (response.status === 401 || errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) {
    if (!opts.token) unauthListeners.forEach((fn) => fn());
  }
  return { data: body.data ?? null, errors };
}

// ---- files --------------------------------------------------------------

/** Fetches a file from a URL the API gave (same origin), as a Blob. */
export async function fetchFile(url: string, signal?: AbortSignal): Promise<Blob> {
  const target = new URL(url, location.origin);
  if (target.origin !== location.origin) throw new Error(`refusing a file URL on another origin: ${url}`);
  const init: RequestInit = { headers: authHeader(), credentials: 'omit' };
  if (signal) init.signal = signal;
  const res = await fetch(target.pathname + target.search, init);
  if (!res.ok) {
    let detail = '';
    try {
      detail = (await res.text()).slice(0, 200);
    } catch {
      /* no body */
    }
    throw new GqlError([{ message: `HTTP ${res.status} ${detail}`.trim(), extensions: { code: `HTTP_${res.status}` } }]);
  }
  return res.blob();
}

// ---- WebSocket ----------------------------------------------------------

export type SocketState = 'idle' | 'connecting' | 'live' | 'down';
let socket: Client | null = null;
let socketState: SocketState = 'idle';
const socketListeners = new Set<(s: SocketState) => void>();

function setSocketState(s: SocketState): void {
  socketState = s;
  socketListeners.forEach((fn) => fn(s));
}

export function onSocketState(fn: (s: SocketState) => void): () => void {
  socketListeners.add(fn);
  fn(socketState);
  return () => socketListeners.delete(fn);
}

function wsUrl(): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${WS_PATH}`;
}

function getSocket(): Client {
  if (socket) return socket;
  const token = currentToken;
  socket = createClient({
    url: wsUrl(),
    lazy: true,
    lazyCloseTimeout: 3000,
    // Reconnects are ours (see `live`): each subscription resumes after the
    // cursor of the last event it saw, which the client's own retry would not do.
    retryAttempts: 0,
    connectionParams: () => authHeader(token),
    keepAlive: 15000,
    on: {
      connecting: () => setSocketState('connecting'),
      connected: () => setSocketState('live'),
      closed: () => setSocketState('down'),
    },
  });
  return socket;
}

function resetSocket(): void {
  const s = socket;
  socket = null;
  if (s) void s.dispose();
  setSocketState('idle');
}

export interface LiveHandle {
  stop(): void;
}

export interface LiveOptions<TData> {
  /** Called for every event, in order. */
  next(data: TData): void;
  /** The resume cursor of an event. */
  cursorOf(data: TData): string | undefined;
  /**
   * Re-read the state: called once the subscription is in place when it
   * started without a cursor (first start, or a cursor the server no longer has).
   */
  resync?(): void;
  /** An error of the subscription itself (FORBIDDEN, NOT_FOUND...). */
  error?(e: GqlError): void;
  /** The subscription was sent; `resumedFrom` is the cursor it resumes after. */
  started?(resumedFrom: string | undefined): void;
}

/** Runs fn shortly after the socket is live (its subscribe messages sent). */
function whenLive(fn: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let off: (() => void) | null = null;
  const fire = (): void => {
    timer = setTimeout(fn, 120);
  };
  if (socketState === 'live') fire();
  else {
    const listener = (s: SocketState): void => {
      if (s === 'live') {
        off?.();
        off = null;
        fire();
      }
    };
    socketListeners.add(listener);
    off = () => socketListeners.delete(listener);
  }
  return () => {
    clearTimeout(timer);
    off?.();
  };
}

/**
 * A live subscription that survives reconnects: on a dropped socket it waits
 * (1 s, 2 s, 4 s... up to 30 s) and subscribes again with `after` set to the
 * last event's cursor, so nothing is lost or repeated. A cursor the server no
 * longer has (NOT_FOUND) makes it start afresh and call `resync`.
 */
export function live<TData, TVars extends Record<string, unknown>>(
  doc: Op<TData, TVars>,
  variables: TVars,
  opts: LiveOptions<TData>,
): LiveHandle {
  let stopped = false;
  let cursor: string | undefined;
  let dispose: (() => void) | null = null;
  let cancelResync: (() => void) | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const retry = (delay?: number): void => {
    dispose = null;
    const wait = delay ?? Math.min(30000, 1000 * 2 ** attempt);
    attempt += 1;
    clearTimeout(timer);
    timer = setTimeout(start, wait);
  };

  function start(): void {
    if (stopped) return;
    const vars: Record<string, unknown> = { ...variables };
    if (cursor) vars.after = cursor;
    const resumedFrom = cursor;
    dispose = getSocket().subscribe<TData>(
      { query: doc, variables: vars, operationName: operationName(doc) ?? null },
      {
        next: (msg) => {
          if (msg.errors && msg.errors.length > 0) {
            opts.error?.(new GqlError(msg.errors as unknown as GqlErrorItem[]));
            return;
          }
          if (!msg.data) return;
          attempt = 0;
          const c = opts.cursorOf(msg.data);
          if (c) cursor = c;
          opts.next(msg.data);
        },
        error: (err) => {
          if (stopped) return;
          if (Array.isArray(err)) {
            const g = new GqlError(err as GqlErrorItem[]);
            if (resumedFrom && g.hasCode('NOT_FOUND')) {
              // The cursor is older than the server keeps: start afresh.
              cursor = undefined;
              retry(0);
              return;
            }
            opts.error?.(g);
            return;
          }
          const code = (err as CloseEvent | undefined)?.code;
          if (code === 4401 || code === 4403) {
            opts.error?.(
              new GqlError([{ message: `the socket refused the token (close ${code})`, extensions: { code: 'UNAUTHENTICATED' } }]),
            );
            unauthListeners.forEach((fn) => fn());
            return;
          }
          retry();
        },
        complete: () => {
          if (!stopped) retry();
        },
      },
    );
    opts.started?.(resumedFrom);
    if (!resumedFrom && opts.resync) {
      cancelResync?.();
      cancelResync = whenLive(() => {
        if (!stopped) opts.resync?.();
      });
    }
  }

  start();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      cancelResync?.();
      dispose?.();
    },
  };
}
