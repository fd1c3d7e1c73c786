#!/usr/bin/env bash
# Checks the Python client: the generated package matches schema.graphql and
# queries/ (regenerated into a temporary copy and diffed), the package type-checks
# under mypy --strict, and the tests pass against a real `quire serve`
# (QUIRE_BIN, else target/debug/quire, else /work/bin/quire).
# Run it with the dev extras installed (ci.sh does that): bash check.sh [pytest args]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"
# The venv ci.sh makes, when there is one.
if [ -x "$here/.venv/bin/ariadne-codegen" ]; then export PATH="$here/.venv/bin:$PATH"; fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== codegen: regenerating into a temporary copy"
# The same layout as the repository, so the relative paths of pyproject.toml hold.
mkdir -p "$tmp/clients/python/src/quire_client"
cp "$repo/schema.graphql" "$tmp/schema.graphql"
cp pyproject.toml "$tmp/clients/python/"
cp -r queries "$tmp/clients/python/"
(cd "$tmp/clients/python" && ariadne-codegen >"$tmp/codegen.log" 2>&1) || {
  cat "$tmp/codegen.log"; echo "ariadne-codegen failed"; exit 1; }
if ! diff -ru --exclude=__pycache__ src/quire_client/generated \
     "$tmp/clients/python/src/quire_client/generated"; then
  echo
  echo "src/quire_client/generated is out of date with schema.graphql or queries/:"
  echo "run \`ariadne-codegen\` in clients/python and commit the result."
  exit 1
fi
echo "generated code is up to date"

echo "== mypy --strict"
mypy --strict src tests

echo "== pytest"
pytest -q "$@"
