// Bundles entry.jsx into ../graphiql.js and ../graphiql.css, and writes
// ../LICENSES.txt with the licence of every package that ends up in them.
// Run through build.sh (which runs `npm ci` first).

import { build } from 'esbuild';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, '..');
const staging = mkdtempSync(join(tmpdir(), 'quire-graphiql-'));

const result = await build({
  absWorkingDir: here,
  entryPoints: { graphiql: 'entry.jsx' },
  outdir: staging,
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Licence comments go to LICENSES.txt, not into the bundle.
  legalComments: 'none',
  // Fonts and images referenced from CSS stay inside the CSS.
  loader: {
    '.woff': 'dataurl',
    '.woff2': 'dataurl',
    '.ttf': 'dataurl',
    '.svg': 'dataurl',
    '.png': 'dataurl',
  },
  // No source maps, no splitting: one .js and one .css, byte-for-byte
  // reproducible from the lock file.
  sourcemap: false,
  splitting: false,
  metafile: true,
  logLevel: 'warning',
});

renameSync(join(staging, 'graphiql.js'), join(out, 'graphiql.js'));
renameSync(join(staging, 'graphiql.css'), join(out, 'graphiql.css'));
const left = readdirSync(staging);
if (left.length > 0) throw new Error(`unexpected build outputs: ${left.join(', ')}`);
rmSync(staging, { recursive: true });

// ---- LICENSES.txt -------------------------------------------------------

// The package directory of each bundled input: node_modules/<name> or
// node_modules/@scope/<name>, the innermost one when nested.
const packageDirs = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const parts = input.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) continue;
  const nameParts = parts[at + 1].startsWith('@') ? 2 : 1;
  packageDirs.add(parts.slice(0, at + 1 + nameParts).join(sep));
}

const LICENSE_FILE = /^(licen[cs]e|copying|notice)(\.|-|$)/i;

const entries = [...packageDirs]
  .map((dir) => {
    const abs = resolve(here, dir);
    const pkg = JSON.parse(readFileSync(join(abs, 'package.json'), 'utf8'));
    const files = readdirSync(abs)
      .filter((f) => LICENSE_FILE.test(f))
      .sort();
    const license =
      typeof pkg.license === 'string'
        ? pkg.license
        : pkg.license?.type ?? (pkg.licenses || []).map((l) => l.type).join(' OR ');
    return { dir: relative(here, abs), name: pkg.name, version: pkg.version, license, files, abs, pkg };
  })
  .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

const MIT_TEMPLATE = (holder) => `MIT License

Copyright (c) ${holder}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;

// Copyright lines of the repositories of the packages whose tarballs ship no
// licence file and name no author.
const HOLDERS = {
  '@headlessui/react': '2020 Tailwind Labs', // tailwindlabs/headlessui LICENSE
  'react-compiler-runtime': 'Meta Platforms, Inc. and affiliates.', // facebook/react LICENSE
};

function authorOf(pkg) {
  if (HOLDERS[pkg.name]) return HOLDERS[pkg.name];
  const a = pkg.author;
  if (!a) return null;
  return typeof a === 'string' ? a : a.name;
}

const missing = [];
const rule = '='.repeat(78);
let text = `Third-party software in Quire's GraphiQL playground (graphiql.js, graphiql.css)

These packages, at these versions, are compiled into the bundle by
assets/graphiql/build/build.sh (esbuild's metafile lists them). Each
package's licence follows, as shipped in its npm tarball.

`;
for (const e of entries) text += `  ${e.name}@${e.version}  (${e.license})\n`;
text += '\n';

for (const e of entries) {
  text += `${rule}\n${e.name}@${e.version}\nLicense: ${e.license}\n`;
  if (e.pkg.homepage) text += `Homepage: ${e.pkg.homepage}\n`;
  text += `${rule}\n\n`;
  if (e.files.length > 0) {
    for (const f of e.files) {
      if (e.files.length > 1) text += `--- ${f} ---\n\n`;
      text += readFileSync(join(e.abs, f), 'utf8').replace(/\r\n/g, '\n').trimEnd() + '\n\n';
    }
  } else if (e.license === 'MIT') {
    // The tarball ships no licence file; its package.json declares MIT.
    const holder = authorOf(e.pkg) ?? `the ${e.name} authors`;
    text += `(No licence file in the npm package; package.json declares MIT. The\nstandard MIT text follows, with the copyright holder named by its repository or package.json.)\n\n`;
    text += MIT_TEMPLATE(holder) + '\n';
  } else {
    missing.push(`${e.name}@${e.version} (${e.license})`);
  }
}
writeFileSync(join(out, 'LICENSES.txt'), text);

if (missing.length > 0) {
  throw new Error(`no licence text found for: ${missing.join(', ')}`);
}

for (const f of ['graphiql.js', 'graphiql.css', 'LICENSES.txt']) {
  const p = join(out, f);
  if (!existsSync(p)) throw new Error(`missing output ${f}`);
  console.log(`${f}: ${readFileSync(p).length} bytes`);
}
console.log(`${entries.length} packages bundled`);
