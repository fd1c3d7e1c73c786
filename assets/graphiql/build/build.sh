#!/usr/bin/env bash
# Rebuilds Quire's offline GraphiQL playground from the pinned npm packages:
#   ../graphiql.js   one minified IIFE (React 18, GraphiQL 3, graphql-ws)
#   ../graphiql.css  GraphiQL's CSS with its fonts inlined as data: URLs
#   ../LICENSES.txt  the licences of every package compiled into them
# Needs Node 20+ and npm, and the npm registry. node_modules stays here and
# is git-ignored; the outputs are committed and embedded with include_bytes!.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
node build.mjs
