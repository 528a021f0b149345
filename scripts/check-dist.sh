#!/usr/bin/env bash
# dist/ is committed (the action runs it); it must equal a fresh bundle of src/.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build >/dev/null
if [ -n "$(git status --porcelain -- dist)" ]; then
  echo "dist/ differs from a fresh bundle of src/ (run npm run build and commit dist/):"
  git status --short -- dist | head -20
  git diff --stat -- dist | tail -5
  exit 1
fi
echo "dist/ is up to date"
