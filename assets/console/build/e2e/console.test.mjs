// Browser tests of the review console against a real Quire.
//
//   npm run e2e
//
// Env: QUIRE_BIN (default /work/bin/quire), QUIRE_CONSOLE_URL (default: the
// built files served by e2e/serve-built.mjs at <proxy>/console/, in front of
// the Quire started here), CHROMIUM (default /usr/bin/chromium),
// E2E_SCREENSHOTS (default e2e/screenshots), E2E_README_SCREENSHOTS=1 to
// refresh assets/console/screenshots/*.png.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accessibilityProblems, apiClient, horizontalOverflow, launchBrowser, screenshot, sleep, startConsole, startQuire } from './harness.mjs';

const SLUG = 'acme-launch';
const T = 15000;

describe('Quire review console', () => {
  let quire;
  let site;
  let browser;
  let context;
  let page;
  let gql;
  let projectId;
  let origin;
  const requests = [];
  const sockets = [];
  const cspErrors = [];
  const pageErrors = [];
  let paletteV2;

  const watch = (ctx) => {
    ctx.on('request', (r) => requests.push(r.url()));
    ctx.on('page', (p) => watchPage(p));
  };
  const watchPage = (p) => {
    p.on('websocket', (ws) => sockets.push(ws.url()));
    p.on('console', (m) => {
      if (/Content.Security.Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });
    p.on('pageerror', (e) => pageErrors.push(String(e)));
  };

  const go = async (hash) => {
    await page.goto(`${site.consoleUrl}${hash}`);
    await page.locator('main h1').first().waitFor({ timeout: T });
  };

  const createVersion = async (schemaKey, value, extra = {}) => {
    const d = await gql(
      `mutation($input: CreateArtifactVersionInput!) { createArtifactVersion(input: $input) { id versionNumber } }`,
      { input: { projectId, schemaKey, value, ...extra } },
    );
    return d.createArtifactVersion;
  };
  const approve = (versionId) =>
    gql(`mutation($id: ID!) { approveVersion(input: {versionId: $id}) { status } }`, { id: versionId });
  const contextVersion = async () =>
    (await gql(`query { project(slug: "${SLUG}") { contextVersion } }`)).project.contextVersion;

  before(async () => {
    quire = await startQuire();
    site = await startConsole(quire.url);
    origin = new URL(site.consoleUrl).origin;
    gql = apiClient(quire.url, quire.token);
    const d = await gql(`query { project(slug: "${SLUG}") { id versions(where: {schemaKeyPrefix: "brand.palette"}) { edges { node { id versionNumber } } } } }`);
    projectId = d.project.id;
    paletteV2 = d.project.versions.edges.map((e) => e.node).find((v) => v.versionNumber === 2).id;
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    watch(context);
    page = await context.newPage();
    watchPage(page);
  });

  after(async () => {
    await browser?.close();
    await site?.close();
    await quire?.stop();
  });

  test('signs in with a pasted token, kept in the browser', async () => {
    await page.goto(site.consoleUrl);
    const field = page.getByLabel('API token');
    await field.waitFor({ timeout: T });
    await field.fill(quire.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: /Review queue/ }).waitFor({ timeout: T });
    assert.equal(await page.evaluate(() => localStorage.getItem('quire.console.token')), quire.token);
    // The demo's five pending versions.
    await page.locator('.queue-list .qi').nth(4).waitFor({ timeout: T });
    await page.locator('.count-pending dd', { hasText: /^\d+$/ }).waitFor({ timeout: T });
    // A reload keeps the session.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: /Review queue/ }).waitFor({ timeout: T });
  });

  test('shows a version created by another client live, without reloading', async () => {
    await page.locator('.live-live').waitFor({ timeout: T });
    await page.locator('.queue-list[aria-busy="false"]').waitFor({ timeout: T });
    const before = await page.locator('.queue-list .qi').count();
    await createVersion('e2e.live', { headline: 'Launch **plan**', notes: '# Plan\n\n- one\n- two\n\nSee [docs](https://example.com).' });
    const item = page.locator('.queue-list .qi', { hasText: 'e2e.live' });
    await item.waitFor({ timeout: T });
    assert.equal(await page.locator('.queue-list .qi').count(), before + 1);
    await page.waitForFunction(() => /New in the review queue: e2e\.live/.test(document.getElementById('announcer')?.textContent ?? ''), null, { timeout: T });
    await page.locator('.count-pending dd', { hasText: String(before + 1) }).waitFor({ timeout: T });
  });

  test('approves with the keyboard and the item leaves the queue', async () => {
    // j moves down the list (oldest first): the new version is last.
    await page.locator('.queue-list .qi-btn').first().focus();
    for (let i = 0; i < 10; i++) {
      const cur = await page.locator('.qi-btn[aria-current="true"]').innerText();
      if (cur.includes('e2e.live')) break;
      await page.keyboard.press('j');
      await sleep(50);
    }
    assert.match(await page.locator('.qi-btn[aria-current="true"]').innerText(), /e2e\.live/);
    await page.locator('.queue-preview .json-tree').first().waitFor({ timeout: T });
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'queue-1280', { readme: true });
    await page.keyboard.press('a');
    await page.locator('.notice.ok', { hasText: 'Approved e2e.live v1.' }).waitFor({ timeout: T });
    await page.locator('.queue-list .qi', { hasText: 'e2e.live' }).waitFor({ state: 'detached', timeout: T });
    const d = await gql(`query { project(slug: "${SLUG}") { artifact(schemaKey: "e2e.live") { latest { status } } } }`);
    assert.equal(d.project.artifact.latest.status, 'APPROVED');
    // The selection moved on to another pending version.
    assert.doesNotMatch(await page.locator('.qi-btn[aria-current="true"]').innerText(), /e2e\.live/);
  });

  test("opens a version's page: value, diffs against previous and approved, source, review", async () => {
    // brand.palette: v1 approved, v2 pending (demo), v3 new: v3 differs from both.
    const d = await gql(`query { project(slug: "${SLUG}") { versions(where: {schemaKeyPrefix: "brand.palette"}) { edges { node { id versionNumber } } } } }`);
    const v1 = d.project.versions.edges.map((e) => e.node).find((v) => v.versionNumber === 1).id;
    await approve(v1);
    const v3 = await createVersion(
      'brand.palette',
      { primary: '#0B5FFF', accent: '#FF5C35', neutral: '#57606A', rationale: '## Why\n\nA warmer **accent** reads better on dark backgrounds.' },
      { annotations: { prompt: 'warmer accent', confidence: 0.9 } },
    );
    assert.equal(v3.versionNumber, 3);
    await go(`#/v/${v3.id}`);
    await page.getByRole('heading', { level: 1, name: /brand\.palette/ }).waitFor({ timeout: T });
    for (const h of ['Value', 'Changes', 'Review', 'Source', 'Annotations', 'Schema']) {
      await page.getByRole('heading', { level: 2, name: h }).waitFor({ timeout: T });
    }
    await page.locator('caption', { hasText: 'Against the previous version, v2' }).waitFor({ timeout: T });
    await page.locator('caption', { hasText: 'Against the current APPROVED version, v1' }).waitFor({ timeout: T });
    assert.ok((await page.locator('.diff-table tbody tr').count()) >= 4);
    // Markdown in a string value is rendered.
    await page.locator('.markdown strong', { hasText: 'accent' }).waitFor({ timeout: T });
    await page.getByRole('button', { name: /Approve/ }).waitFor({ timeout: T });
    await screenshot(page, 'version-1280', { readme: true });
    // The demo's v2 has a source run and step.
    await go(`#/v/${paletteV2}`);
    await page.getByRole('link', { name: 'brand-studio' }).first().waitFor({ timeout: T });
    await page.getByRole('heading', { level: 3, name: /Step 2: Design critic/ }).waitFor({ timeout: T });
  });

  test('promotes, is told of a CONFLICT, sees what changed and retries on the new context version', async () => {
    const a = await createVersion('e2e.promote-a', { title: 'A' });
    const b = await createVersion('e2e.promote-b', { title: 'B' });
    await approve(a.id);
    await approve(b.id);
    await go(`#/p/${SLUG}/promote`);
    const read = await contextVersion();
    await page.getByLabel('Select e2e.promote-a v1').check();
    await page.locator('.plan', { hasText: 'e2e.promote-a' }).waitFor({ timeout: T });
    // Another reviewer promotes something else meanwhile.
    const other = await gql(
      `mutation($input: PromoteInput!) { promote(input: $input) { contextVersion } }`,
      { input: { projectId, expectedContextVersion: read, versionIds: [b.id] } },
    );
    assert.equal(other.promote.contextVersion, read + 1);
    await page.getByRole('button', { name: /^Promote 1 version at context v/ }).click();
    const conflict = page.locator('.conflict');
    await conflict.getByRole('heading', { name: 'Conflict: the context changed' }).waitFor({ timeout: T });
    assert.match(await conflict.innerText(), new RegExp(`You read context version ${read}; it is now version ${read + 1}`));
    await conflict.locator('caption', { hasText: 'What changed in the context meanwhile' }).waitFor({ timeout: T });
    assert.match(await conflict.innerText(), /e2e\.promote-b v1 promoted/);
    await screenshot(page, 'promote-conflict-1280');
    await conflict.getByRole('button', { name: `Retry on context v${read + 1}` }).click();
    await page.locator('.notice.ok', { hasText: `Promoted e2e.promote-a v1. The context is now version ${read + 2}.` }).waitFor({ timeout: T });
    assert.equal(await contextVersion(), read + 2);
  });

  test("lists runs and opens a run's page with its steps and cost", async () => {
    await go(`#/p/${SLUG}/runs`);
    await page.locator('.runs-table tbody tr').first().waitFor({ timeout: T });
    assert.equal(await page.locator('.runs-table tbody tr').count(), 3);
    await page.locator('svg.bar-chart').waitFor({ timeout: T });
    assert.ok((await page.locator('svg.bar-chart rect.bar:not([width="0"])').count()) >= 1, 'a bar with a cost');
    // Filter by pipeline.
    await page.getByLabel('Pipeline').fill('mvp-planner');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.runs-table tbody tr').length === 1, null, { timeout: T });
    await screenshot(page, 'runs-1280');
    await page.locator('.runs-table tbody tr a').first().click();
    await page.getByRole('heading', { level: 1, name: 'Run: mvp-planner' }).waitFor({ timeout: T });
    await page.getByRole('heading', { level: 2, name: 'Steps (3)' }).waitFor({ timeout: T });
    assert.match(await page.locator('.steps').innerText(), /Product manager[\s\S]*Architect[\s\S]*Risk analyst/);
    await page.getByRole('button', { name: 'Assemble' }).click();
    await page.locator('.assembled .items li').first().waitFor({ timeout: T });
    await screenshot(page, 'run-1280');
  });

  test("shows the context's tree, its revisions and an assembled context", async () => {
    await go(`#/p/${SLUG}/context`);
    await page.locator('.ctx-tree code', { hasText: 'promote-a' }).waitFor({ timeout: T });
    await page.locator('.ctx-tree code', { hasText: 'promote-b' }).waitFor({ timeout: T });
    await page.locator('.revisions caption', { hasText: /What v\d+ changed/ }).waitFor({ timeout: T });
    await page.getByRole('button', { name: 'Older revision' }).click();
    await page.locator('.revisions caption', { hasText: /What v\d+ changed/ }).waitFor({ timeout: T });
    await page.getByRole('button', { name: 'Assemble' }).click();
    await page.locator('.assembled .items li .tier-persistent').first().waitFor({ timeout: T });
    await screenshot(page, 'context-1280');
  });

  test('resumes the queue subscription after a dropped socket, by cursor', { skip: !!process.env.QUIRE_CONSOLE_URL && 'needs the built-in proxy to cut sockets' }, async () => {
    const sent = [];
    const onWs = (ws) => ws.on('framesent', (f) => sent.push(String(f.payload)));
    page.on('websocket', onWs);
    await go(`#/p/${SLUG}/queue`);
    await page.locator('.live-live').waitFor({ timeout: T });
    await page.locator('.queue-list[aria-busy="false"]').waitFor({ timeout: T });
    await createVersion('e2e.resume-one', { n: 1 });
    await page.locator('.queue-list .qi', { hasText: 'e2e.resume-one' }).waitFor({ timeout: T });
    assert.ok(site.proxy.dropWebSockets() >= 1, 'a socket was open');
    await page.locator('.live-down, .live-connecting').waitFor({ timeout: T });
    await createVersion('e2e.resume-two', { n: 2 });
    await page.locator('.queue-list .qi', { hasText: 'e2e.resume-two' }).waitFor({ timeout: 20000 });
    const resumed = sent.filter((s) => s.includes('"subscribe"') && s.includes('QueueEvents') && /"after":"[^"]+"/.test(s));
    assert.ok(resumed.length >= 1, `a subscribe with a cursor was sent after the drop: ${sent.join('\n')}`);
    page.off('websocket', onWs);
  });

  test('rejects with a reason and requests changes with structured feedback by keyboard; an open quorum is said plainly', async () => {
    await gql(
      `mutation($p: ID!) { setApprovalPolicy(input: {projectId: $p, schemaKeyPattern: "e2e.d.quorum", requiredApprovals: 2}) { id } }`,
      { p: projectId },
    );
    const upload = async (name, type, body) => {
      const res = await fetch(`${quire.url}/files?filename=${name}&projectId=${projectId}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${quire.token}`, 'Content-Type': type },
        body,
      });
      assert.ok(res.ok, `upload: HTTP ${res.status}`);
      return (await res.json()).id;
    };
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAACAAAAAQCAIAAAD4YuoOAAAAHUlEQVR4nGOQj99PU8QwasGoBaMWjFowasFQsAAABp96HzoaB1QAAAAASUVORK5CYII=',
      'base64',
    );
    const logo = await upload('logo.png', 'image/png', png);
    const notes = await upload('notes.txt', 'text/plain', 'hello from the notes file\n');
    await createVersion('e2e.d.reject', { title: 'Too long a title for the launch page' });
    const changes = await createVersion('e2e.d.changes', { title: 'Launch', body: 'Text' }, { fileIds: [notes], primaryFileId: logo });
    await createVersion('e2e.d.quorum', { title: 'Needs two' });

    await go(`#/p/${SLUG}/queue?prefix=e2e.d`);
    await page.locator('.queue-list[aria-busy="false"]').waitFor({ timeout: T });
    assert.equal(await page.locator('.queue-list .qi').count(), 3);
    const selectItem = async (key) => {
      await page.locator('.queue-list .qi-btn').first().focus();
      for (let i = 0; i < 5; i++) {
        if ((await page.locator('.qi-btn[aria-current="true"]').innerText()).includes(key)) return;
        await page.keyboard.press('j');
      }
      assert.fail(`could not select ${key}`);
    };

    await selectItem('e2e.d.reject');
    await page.keyboard.press('r');
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason (required)').fill('Off-brand');
    await dialog.getByRole('button', { name: 'Reject' }).click();
    await page.locator('.notice.ok', { hasText: 'Rejected e2e.d.reject v1.' }).waitFor({ timeout: T });
    await page.locator('.queue-list .qi', { hasText: 'e2e.d.reject' }).waitFor({ state: 'detached', timeout: T });

    await selectItem('e2e.d.changes');
    await page.keyboard.press('c');
    await dialog.getByLabel('Path 1 (optional)').fill('title');
    await dialog.getByRole('textbox', { name: 'Change 1' }).fill('A shorter title');
    await dialog.getByRole('button', { name: 'Add a change' }).click();
    await dialog.getByRole('textbox', { name: 'Change 2' }).fill('Mention the date');
    await dialog.getByRole('button', { name: 'Request changes' }).click();
    await page.locator('.notice.ok', { hasText: 'Requested changes on e2e.d.changes v1.' }).waitFor({ timeout: T });
    const fb = await gql(`query($id: ID!) { artifactVersion(id: $id) { status approvals { action feedback } } }`, { id: changes.id });
    assert.equal(fb.artifactVersion.status, 'CHANGES_REQUESTED');
    assert.deepEqual(fb.artifactVersion.approvals.at(-1).feedback, {
      changes: [{ path: 'title', note: 'A shorter title' }, { note: 'Mention the date' }],
    });

    await selectItem('e2e.d.quorum');
    await page.keyboard.press('a');
    await page.locator('.notice.warn', { hasText: 'The quorum is still open: 1 more approval needed' }).waitFor({ timeout: T });
    await page.locator('.queue-list .qi', { hasText: 'you approved; quorum open' }).waitFor({ timeout: T });

    // Files: previewed from blob: URLs fetched with the token, and downloaded.
    await go(`#/v/${changes.id}`);
    await page.getByRole('button', { name: 'Preview logo.png' }).click();
    const img = page.getByRole('img', { name: 'Preview of logo.png' });
    await img.waitFor({ timeout: T });
    assert.match(await img.getAttribute('src'), /^blob:/);
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth === 32), 'the image decoded');
    await page.getByRole('button', { name: 'Preview notes.txt' }).click();
    await page.getByLabel('Contents of notes.txt').filter({ hasText: 'hello from the notes file' }).waitFor({ timeout: T });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download notes.txt' }).click()]);
    assert.equal(download.suggestedFilename(), 'notes.txt');
    await screenshot(page, 'files-1280');
  });

  test('a READER sees no decisions, and a lower project tier sees gated fields hidden', async () => {
    await gql(
      `mutation($s: JSON!) { registerSchema(input: {schemaKey: "e2e.gated", jsonSchema: $s}) { version } }`,
      {
        s: {
          type: 'object',
          properties: { summary: { type: 'string' }, pricing: { 'x-quire-tier': 'business', type: 'object' } },
        },
      },
    );
    const gated = await createVersion('e2e.gated', { summary: 'Launch plan', pricing: { monthly: 42 } });
    const reader = (
      await gql(`mutation { createToken(input: {name: "e2e-reader", role: READER, actorType: HUMAN}) { secret } }`)
    ).createToken.secret;

    const rctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    watch(rctx);
    const rpage = await rctx.newPage();
    watchPage(rpage);
    await rpage.goto(site.consoleUrl);
    await rpage.getByLabel('API token').fill(reader);
    await rpage.getByRole('button', { name: 'Sign in' }).click();
    await rpage.getByRole('heading', { level: 1, name: /Review queue/ }).waitFor({ timeout: T });
    await rpage.locator('.who', { hasText: 'read-only' }).waitFor({ timeout: T });
    await rpage.locator('.queue-preview .notice', { hasText: 'may read only' }).waitFor({ timeout: T });
    assert.equal(await rpage.getByRole('button', { name: /^Approve/ }).count(), 0);

    await rpage.goto(`${site.consoleUrl}#/v/${gated.id}`);
    await rpage.getByRole('heading', { level: 1, name: /e2e\.gated/ }).waitFor({ timeout: T });
    const value = rpage.locator('section', { has: rpage.getByRole('heading', { name: 'Value' }) });
    await value.locator('.j-key', { hasText: 'summary' }).waitFor({ timeout: T });
    assert.equal(await value.locator('.j-key', { hasText: 'pricing' }).count(), 0, 'pricing is hidden at the core tier');
    assert.match(await value.locator('.notice.gated').innerText(), /pricing \(business\)/);
    assert.equal(await rpage.getByRole('button', { name: /^Approve/ }).count(), 0);
    await screenshot(rpage, 'reader-gated-1280');

    // The same version, once the project is at the business tier.
    await gql(`mutation($p: ID!) { setProjectTier(input: {projectId: $p, tier: "business"}) { tier } }`, { p: projectId });
    await rpage.reload();
    await value.locator('.j-key', { hasText: 'pricing' }).waitFor({ timeout: T });
    assert.match(await value.innerText(), /monthly/);
    await gql(`mutation($p: ID!) { setProjectTier(input: {projectId: $p, tier: "core"}) { tier } }`, { p: projectId });
    await rctx.close();
  });

  for (const [w, h, tag] of [
    [1280, 800, 'desktop'],
    [390, 844, 'phone'],
  ]) {
    test(`renders the main views without horizontal overflow, with named controls and landmarks, at ${w}x${h}`, async () => {
      await page.setViewportSize({ width: w, height: h });
      const runId = (await gql(`query { project(slug: "${SLUG}") { runs(first: 1) { edges { node { id } } } } }`)).project.runs.edges[0].node.id;
      const views = [
        ['queue', `#/p/${SLUG}/queue`, '.queue-list .qi'],
        ['queue-all', '#/queue', '.queue-list .qi'],
        ['version', `#/v/${paletteV2}`, '.diff-table'],
        ['promote', `#/p/${SLUG}/promote`, '.select-table, .empty'],
        ['runs', `#/p/${SLUG}/runs`, '.runs-table'],
        ['run', `#/r/${runId}`, '.steps'],
        ['context', `#/p/${SLUG}/context`, '.ctx-tree'],
      ];
      const problems = [];
      for (const [name, hash, ready] of views) {
        await go(hash);
        await page.locator(ready).first().waitFor({ timeout: T });
        await sleep(150);
        const over = await horizontalOverflow(page);
        if (over) problems.push(`${name}: ${JSON.stringify(over)}`);
        for (const p of await accessibilityProblems(page)) problems.push(`${name}: ${p}`);
        await screenshot(page, `${name}-${tag}`);
      }
      assert.deepEqual(problems, []);
    });
  }

  test('sent no request to another origin, and broke no CSP rule', () => {
    const foreign = requests.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin);
    assert.deepEqual(foreign, [], 'requests to other origins');
    const host = new URL(origin).host;
    const foreignWs = sockets.filter((u) => new URL(u).host !== host);
    assert.deepEqual(foreignWs, [], 'WebSockets to other origins');
    assert.ok(sockets.length > 0, 'the console used its WebSocket');
    assert.ok(requests.length > 10);
    assert.deepEqual(cspErrors, [], 'CSP violations');
    assert.deepEqual(pageErrors, [], 'uncaught page errors');
  });
});
