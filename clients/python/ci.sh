#!/usr/bin/env bash
# CI entry point for the Python client: QUIRE_BIN=/path/to/quire bash clients/python/ci.sh
# Creates clients/python/.venv if missing, installs the package with its dev
# extras (pinned in pyproject.toml), then runs check.sh (codegen diff, mypy, pytest).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
export PATH="$here/.venv/bin:$PATH"
exec bash check.sh "$@"
