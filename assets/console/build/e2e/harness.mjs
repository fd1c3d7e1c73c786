// What the browser tests need: a fresh Quire (QUIRE_BIN, demo data, a temp
// SQLite database), the console's URL (QUIRE_CONSOLE_URL, or the built files
// served by serve-built.mjs in front of that Quire), Debian's Chromium
// driven by playwright-core, and a GraphQL client for "another client".

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServeBuilt } from './serve-built.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const SCREENSHOTS = resolve(process.env.E2E_SCREENSHOTS ?? join(here, 'screenshots'));
export const README_SHOTS = resolve(here, '..', '..', 'screenshots');

/** Starts `quire serve --demo` on a fresh database; resolves with its URL and admin token. */
export async function startQuire() {
  const bin = process.env.QUIRE_BIN ?? '/work/bin/quire';
  const dir = mkdtempSync(join(tmpdir(), 'quire-e2e-'));
  const args = ['serve', '--demo', '--listen', '127.0.0.1:0', '--database-url', `sqlite://${dir}/q.db?mode=rwc`];
  const child = spawn(bin, args, {
    cwd: dir,
    env: { ...process.env, QUIRE_LOG_FORMAT: 'text', RUST_LOG: process.env.RUST_LOG ?? 'warn', QUIRE_AUTH_FAILURES_PER_MINUTE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
    if (process.env.E2E_VERBOSE) process.stderr.write(d);
  });
  const ready = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`quire did not start in 60 s:\n${out}\n${err}`)), 60000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`quire exited (${code}) before serving:\n${out}\n${err}`));
    });
    child.stdout.on('data', (d) => {
      out += d;
      const token = /^(qk_\S+)$/m.exec(out)?.[1];
      const url = /at (http:\/\/[^\s/]+)\/graphql/.exec(out)?.[1];
      if (token && url) {
        clearTimeout(timer);
        ok({ token, url });
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    ...ready,
    dir,
    bin,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((ok) => {
          const t = setTimeout(() => {
            child.kill('SIGKILL');
            ok();
          }, 10000);
          child.once('exit', () => {
            clearTimeout(t);
            ok();
          });
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The console under test: QUIRE_CONSOLE_URL, or serve-built in front of quireUrl. */
export async function startConsole(quireUrl) {
  if (process.env.QUIRE_CONSOLE_URL) {
    return { consoleUrl: process.env.QUIRE_CONSOLE_URL, proxy: null, async close() {} };
  }
  const proxy = await startServeBuilt({ quireUrl });
  return { consoleUrl: proxy.consoleUrl, proxy, close: () => proxy.close() };
}

export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** GraphQL over fetch, as another client; throws on errors unless `raw`. */
export function apiClient(baseUrl, token) {
  return async function gql(query, variables = {}, { raw = false, as = token } = {}) {
    const res = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${as}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await res.json();
    if (raw) return body;
    if (body.errors?.length) throw new Error(`GraphQL error: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
}

export async function screenshot(page, name, { readme = false } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, type: 'png' });
  if (readme && process.env.E2E_README_SCREENSHOTS === '1') {
    mkdirSync(README_SHOTS, { recursive: true });
    const dest = join(README_SHOTS, `${name}.png`);
    // Smaller for the repository when pngquant is there (apt-get install pngquant).
    const q = spawnSync('pngquant', ['--quality', '70-90', '--speed', '1', '--strip', '--force', '-o', dest, path]);
    if (q.error || q.status !== 0) copyFileSync(path, dest);
  }
  return path;
}

/** Whether the page scrolls sideways (it should not, at any width). */
export async function horizontalOverflow(page) {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const over = doc.scrollWidth - window.innerWidth;
    if (over <= 1) return null;
    // Name the widest offenders, to make a failure readable.
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`);
    return { scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, wide };
  });
}

export function sleep(ms) {
  return new Promise((ok) => setTimeout(ok, ms));
}

/** Controls without an accessible name, and missing landmarks (a cheap accessibility check). */
export async function accessibilityProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    for (const sel of ['header', 'nav', 'main']) if (!document.querySelector(sel)) problems.push(`no <${sel}> landmark`);
    const named = (el) =>
      (el.labels && el.labels.length > 0 && [...el.labels].some((l) => l.textContent.trim() !== '')) ||
      el.getAttribute('aria-label') ||
      el.getAttribute('aria-labelledby') ||
      el.getAttribute('title') ||
      ((el.tagName === 'BUTTON' || el.tagName === 'A') && el.textContent.trim() !== '');
    for (const el of document.querySelectorAll('input, select, textarea, button, a[href]')) {
      if (el.type === 'hidden' || el.closest('[hidden]')) continue;
      if (!named(el)) problems.push(`unnamed ${el.tagName.toLowerCase()} ${el.outerHTML.slice(0, 80)}`);
    }
    if (!document.querySelector('[aria-live]')) problems.push('no aria-live region');
    return problems;
  });
}
