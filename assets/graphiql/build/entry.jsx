// Quire's GraphiQL playground: everything bundled, nothing loaded from
// another origin. Built by build.sh into ../graphiql.js and ../graphiql.css.
//
// HTTP:          POST /graphql (same origin), with the Headers editor's JSON.
// Subscriptions: ws(s)://<host>/graphql/ws, graphql-transport-ws protocol;
//                the Headers editor's JSON is the connection_init payload,
//                which is where the server reads `Authorization: Bearer ...`.

import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createClient } from 'graphql-ws';
import 'graphiql/graphiql.css';
import './page.css';

const HTTP_ENDPOINT = '/graphql';
const WS_PATH = '/graphql/ws';

const DEFAULT_HEADERS = '{\n  "Authorization": "Bearer "\n}';

const DEFAULT_QUERY = `# Welcome to Quire's GraphiQL.
#
# Every request needs an API token. Open the Headers
# tab below and paste yours after "Bearer " (create one
# with \`quire token create\`), then press the refresh
# icon at the bottom left (or reload) to load the schema.
#
# The headers stay in this browser's local storage, so
# the token survives a reload. Subscriptions send them
# as the WebSocket's connection_init payload.
#
# Run a query with Ctrl-Enter (Cmd-Enter on a Mac).

{
  projects(first: 5) {
    edges {
      node {
        id
        name
      }
    }
  }
}
`;

const BASE_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/graphql-response+json, application/json',
};

/** POSTs one operation; the editor's headers win over the defaults. */
async function httpFetch(params, headers) {
  const response = await fetch(HTTP_ENDPOINT, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { ...BASE_HEADERS, ...headers },
    body: JSON.stringify(params),
  });
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    // Not a GraphQL response (a proxy's error page, say): show what came.
    return {
      errors: [
        {
          message: `HTTP ${response.status} ${response.statusText}: ${text.slice(0, 2000)}`,
        },
      ],
    };
  }
}

/** The operation a request runs: the named one, or the only one. */
function isSubscription(documentAST, operationName) {
  if (!documentAST) return false;
  const ops = documentAST.definitions.filter((d) => d.kind === 'OperationDefinition');
  const op = operationName
    ? ops.find((d) => d.name && d.name.value === operationName)
    : ops.length === 1
      ? ops[0]
      : undefined;
  return !!op && op.operation === 'subscription';
}

function wsUrl() {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}${WS_PATH}`;
}

function isCloseEvent(e) {
  return typeof e === 'object' && e !== null && 'code' in e && 'reason' in e;
}

// One lazy graphql-ws client per distinct headers JSON: a lazy client opens
// its socket on the first subscription and closes it after the last ends, so
// clients for headers no longer in use hold no connection.
const wsClients = new Map();

function wsClientFor(headers) {
  const key = JSON.stringify(headers);
  let client = wsClients.get(key);
  if (!client) {
    client = createClient({
      url: wsUrl(),
      connectionParams: { ...headers },
      lazy: true,
      // 4403 is "token not valid": retrying will not help.
      shouldRetry: (e) => isCloseEvent(e) && e.code !== 4403,
    });
    wsClients.set(key, client);
  }
  return client;
}

/** A close event or transport error as a GraphiQL-displayable error. */
function toDisplayError(err) {
  if (Array.isArray(err)) return err; // GraphQL errors from the server
  if (isCloseEvent(err)) {
    const reason = err.reason ? ` ${err.reason}` : '';
    return { message: `WebSocket closed: ${err.code}${reason}` };
  }
  if (err instanceof Error) return { message: err.message };
  if (typeof Event !== 'undefined' && err instanceof Event) {
    return { message: `WebSocket error: could not connect to ${wsUrl()}` };
  }
  return err;
}

/**
 * Subscribes over graphql-ws and returns an async iterable of results.
 * return() (GraphiQL's Stop button) unsubscribes at once, even while a
 * next() is pending.
 */
function subscribe(params, headers) {
  const queue = [];
  const waiting = [];
  let done = false;
  let failure = null;

  const settle = () => {
    while (waiting.length > 0) {
      const { resolve, reject } = waiting.shift();
      if (queue.length > 0) resolve({ value: queue.shift(), done: false });
      else if (failure) {
        reject(failure.error);
        failure = null; // reported once; later next() calls end
      }
      else if (done) resolve({ value: undefined, done: true });
      else {
        waiting.unshift({ resolve, reject });
        break;
      }
    }
  };

  const dispose = wsClientFor(headers).subscribe(
    {
      query: params.query,
      variables: params.variables ?? undefined,
      operationName: params.operationName ?? undefined,
    },
    {
      next(value) {
        if (done) return;
        queue.push(value);
        settle();
      },
      error(err) {
        if (done) return;
        done = true;
        failure = { error: toDisplayError(err) };
        settle();
      },
      complete() {
        done = true;
        settle();
      },
    },
  );

  const iterator = {
    next() {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift(), done: false });
      if (failure) {
        const { error } = failure;
        failure = null;
        return Promise.reject(error);
      }
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    return() {
      if (!done) {
        done = true;
        dispose();
      }
      queue.length = 0;
      failure = null;
      settle();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}

function fetcher(params, opts) {
  const headers = (opts && opts.headers) || {};
  if (isSubscription(opts && opts.documentAST, params.operationName)) {
    return subscribe(params, headers);
  }
  return httpFetch(params, headers);
}

function mount() {
  const container = document.getElementById('graphiql');
  if (!container) return;
  createRoot(container).render(
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={DEFAULT_QUERY}
      defaultHeaders={DEFAULT_HEADERS}
      shouldPersistHeaders
      isHeadersEditorEnabled
    />,
  );
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', mount);
} else {
  mount();
}
