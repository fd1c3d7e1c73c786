// Builds the console into ../index.html, ../console.js and ../console.css,
// and writes ../LICENSES.txt with the licence of every npm package bundled
// into them. Run through build.sh (which runs `npm ci` first).

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, '..');
const staging = mkdtempSync(join(tmpdir(), 'quire-console-'));
const OUTPUTS = ['index.html', 'console.js', 'console.css'];

const result = await build({
  root: here,
  configFile: join(here, 'vite.config.ts'),
  logLevel: 'warn',
  build: { outDir: staging, emptyOutDir: true },
});

const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output);
const moduleIds = new Set();
for (const o of outputs) {
  if (o.type === 'chunk') for (const id of Object.keys(o.modules)) moduleIds.add(id);
}

const made = readdirSync(staging).sort();
if (made.join(',') !== [...OUTPUTS].sort().join(',')) {
  throw new Error(`unexpected build outputs: ${made.join(', ')} (want ${OUTPUTS.join(', ')})`);
}
const html = readFileSync(join(staging, 'index.html'), 'utf8');
for (const ref of ['./console.js', './console.css']) {
  if (!html.includes(`"${ref}"`)) throw new Error(`index.html does not reference ${ref}`);
}
if (/<style|style=|<script(?![^>]*\bsrc=)/i.test(html)) {
  throw new Error('index.html has inline styles or an inline script, which the CSP forbids');
}
for (const f of OUTPUTS) copyFileSync(join(staging, f), join(out, f));
rmSync(staging, { recursive: true });

// ---- LICENSES.txt -------------------------------------------------------

const packageDirs = new Set();
for (const id of moduleIds) {
  const clean = id.replace(/^\0/, '').split('?')[0];
  const parts = clean.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) continue;
  const nameParts = parts[at + 1].startsWith('@') ? 2 : 1;
  packageDirs.add(parts.slice(0, at + 1 + nameParts).join(sep));
}

const LICENSE_FILE = /^(licen[cs]e|copying|notice)(\.|-|$)/i;
const entries = [...packageDirs]
  .map((dir) => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const files = readdirSync(dir).filter((f) => LICENSE_FILE.test(f)).sort();
    const license = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? '');
    return { dir, name: pkg.name, version: pkg.version, license, files, pkg };
  })
  .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

const rule = '='.repeat(78);
let text = `Third-party software in Quire's review console (console.js, console.css)

These packages, at these versions, are compiled into the bundle by
assets/console/build/build.sh (the bundler's module list names them). Each
package's licence follows, as shipped in its npm tarball.

`;
for (const e of entries) text += `  ${e.name}@${e.version}  (${e.license})\n`;
text += '\n';
const missing = [];
for (const e of entries) {
  text += `${rule}\n${e.name}@${e.version}\nLicense: ${e.license}\n`;
  if (e.pkg.homepage) text += `Homepage: ${e.pkg.homepage}\n`;
  text += `${rule}\n\n`;
  if (e.files.length === 0) missing.push(`${e.name}@${e.version}`);
  for (const f of e.files) {
    if (e.files.length > 1) text += `--- ${f} ---\n\n`;
    text += readFileSync(join(e.dir, f), 'utf8').replace(/\r\n/g, '\n').trimEnd() + '\n\n';
  }
}
writeFileSync(join(out, 'LICENSES.txt'), text);
if (missing.length > 0) throw new Error(`no licence file in: ${missing.join(', ')}`);

for (const f of [...OUTPUTS, 'LICENSES.txt']) {
  const p = join(out, f);
  if (!existsSync(p)) throw new Error(`missing output ${f}`);
  console.log(`${f}: ${readFileSync(p).length} bytes`);
}
console.log(`${entries.length} packages bundled: ${entries.map((e) => `${e.name}@${e.version}`).join(', ')}`);
