#!/usr/bin/env bash
# The lint habits (issue 11): ruff lint, ruff format check, mypy on scendsl/, and the
# import-linter layer contracts, all configured in pyproject.toml and pinned in the test extra.
# Every tool runs even when an earlier one fails, so one run shows every finding; the exit
# status is 1 when any failed. Run from anywhere inside the virtualenv: `bash scripts/lint.sh`.
set -uo pipefail
cd "$(dirname "$0")/.."
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
