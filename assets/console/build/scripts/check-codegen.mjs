// Fails when src/generated/graphql.ts is not what codegen makes from the
// schema and the operations now (run `npm run codegen` and commit it).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import config from '../codegen.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const files = await generate({ ...config, cwd: root }, false);
let stale = 0;
for (const f of files) {
  const path = join(root, f.filename);
  let onDisk = '';
  try {
    onDisk = readFileSync(path, 'utf8');
  } catch {
    /* missing */
  }
  if (onDisk !== f.content) {
    console.error(`${f.filename} is out of date: run \`npm run codegen\` and commit it`);
    stale++;
  }
}
if (stale > 0) process.exit(1);
console.log(`codegen: ${files.map((f) => f.filename).join(', ')} up to date`);
