#!/usr/bin/env bash
# The lint habits (issue 11): ruff lint, ruff format check, mypy on scendsl/, and the
# import-linter layer contracts, all configured in pyproject.toml and pinned in the test extra.
# Every tool runs even when an earlier one fails, so one run shows every finding; the exit
# status is 1 when any failed. Run from anywhere: `bash scripts/lint.sh` (the project's `.venv`
# is used when no virtualenv is active).
set -uo pipefail
cd "$(dirname "$0")/.."
# The project's virtualenv, when there is one and it is not active: its tools are the pinned ones.
if [ -z "${VIRTUAL_ENV:-}" ] && [ -x .venv/bin/python ]; then
  PATH="$PWD/.venv/bin:$PATH"
fi
status=0
step() {
  local started=$SECONDS
  echo "== $*"
  "$@" || status=1
  echo "   ($((SECONDS - started)) s)"
}
step ruff check --output-format concise .
step ruff format --check --output-format concise .
step mypy
step lint-imports
exit $status
