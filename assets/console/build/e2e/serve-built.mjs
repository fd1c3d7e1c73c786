// A proxy in front of a running Quire at QUIRE_URL (HTTP and WebSocket
// upgrades), which lets the tests cut live sockets. With E2E_CONSOLE_FROM_QUIRE=1
// (what CI sets) /console/ too comes from Quire, as embedded in the binary;
// otherwise it serves the built files (assets/console/*) from disk with the
// policy Quire sends, for a quick loop while editing without rebuilding Quire.
//
//   QUIRE_URL=http://127.0.0.1:8080 node e2e/serve-built.mjs [--port 5174]

import { createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const ASSET_DIR = resolve(here, '..', '..');

/** What Quire sends for /console/ (src/http/embedded.rs: CONSOLE), for the files served from disk. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
  "media-src 'self' blob:; frame-src 'self' blob:; object-src 'self' blob:; connect-src 'self' ws: wss:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ASSETS = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'LICENSES.txt': 'text/plain; charset=utf-8',
};

/**
 * Starts the server. Returns its base URL, close(), and dropWebSockets()
 * (the tests use it to cut live connections and watch the console resume).
 */
export async function startServeBuilt({ quireUrl, port = 0, host = '127.0.0.1', assetDir = ASSET_DIR } = {}) {
  if (!quireUrl) throw new Error('quireUrl (QUIRE_URL) is required');
  const target = new URL(quireUrl);
  const sockets = new Set();
  const upgraded = new Set();

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const fromQuire = process.env.E2E_CONSOLE_FROM_QUIRE === '1';
    if (!fromQuire && url.pathname === '/console') {
      res.writeHead(301, { Location: '/console/' });
      res.end();
      return;
    }
    if (!fromQuire && url.pathname.startsWith('/console/')) {
      const name = url.pathname.slice('/console/'.length) || 'index.html';
      const type = ASSETS[name];
      if (!type || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('no such console asset');
        return;
      }
      try {
        const body = await readFile(join(assetDir, name));
        res.writeHead(200, {
          'Content-Type': type,
          'Cache-Control': 'no-cache',
          'Content-Security-Policy': CONSOLE_CSP,
          'X-Content-Type-Options': 'nosniff',
          'Referrer-Policy': 'no-referrer',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      } catch (e) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(String(e));
      }
      return;
    }
    const headers = { ...req.headers, host: target.host };
    const upstream = httpRequest(
      { host: target.hostname, port: target.port || 80, method: req.method, path: req.url, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`proxy error: ${e.message}`);
    });
    req.pipe(upstream);
  });

  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  server.on('upgrade', (req, client, head) => {
    const up = connect(Number(target.port || 80), target.hostname, () => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const k = req.rawHeaders[i];
        const v = k.toLowerCase() === 'host' ? target.host : req.rawHeaders[i + 1];
        raw += `${k}: ${v}\r\n`;
      }
      up.write(raw + '\r\n');
      if (head && head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    const pair = { client, up };
    upgraded.add(pair);
    const done = () => {
      upgraded.delete(pair);
      client.destroy();
      up.destroy();
    };
    up.on('error', done);
    client.on('error', done);
    up.on('close', done);
    client.on('close', done);
  });

  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, ok);
  });
  const addr = server.address();
  const url = `http://${host}:${addr.port}`;
  return {
    url,
    consoleUrl: `${url}/console/`,
    /** Cuts every proxied WebSocket (both ends), as a network drop would. */
    dropWebSockets() {
      const n = upgraded.size;
      for (const { client, up } of [...upgraded]) {
        client.destroy();
        up.destroy();
      }
      return n;
    },
    async close() {
      for (const { client, up } of upgraded) {
        client.destroy();
        up.destroy();
      }
      for (const s of sockets) s.destroy();
      await new Promise((ok) => server.close(() => ok()));
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : Number(process.env.PORT ?? 5174);
  const s = await startServeBuilt({ quireUrl: process.env.QUIRE_URL, port });
  console.log(`console: ${s.consoleUrl} (API proxied to ${process.env.QUIRE_URL})`);
}
