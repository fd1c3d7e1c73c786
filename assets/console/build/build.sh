#!/usr/bin/env bash
# Rebuilds Quire's review console from the pinned npm packages (package-lock.json):
#   ../index.html    the page (references ./console.js and ./console.css)
#   ../console.js    one ES module: Preact, graphql-ws and the console
#   ../console.css   its styles
#   ../LICENSES.txt  the licences of every package compiled into them
# Checks first that src/generated/graphql.ts matches the schema and the
# operations, and that TypeScript (strict) passes. Needs Node 20.19+ and npm,
# and the npm registry. node_modules stays here and is git-ignored; the
# outputs are committed and embedded with include_bytes!.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent check
node build.mjs
