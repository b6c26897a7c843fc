#!/usr/bin/env bash
# Installs everything, type-checks and lints, then runs every test: unit,
# integration on SQLite and on a throwaway PostgreSQL, the tutorial end to
# end, then the browser tests (the tutorial through the portal's pages).
# Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages bubblewrap postgresql git openssh-server chromium
yarn_install

export CI="${CI:-true}"
# Types and lint first: cheap, and they fail for reasons a test may not.
yarn tsc
yarn backstage-cli repo lint
set +e
bash scripts/with-postgres.sh node "$YARN_JS" backstage-cli repo test "$@"
jest_rc=$?

# Browser tests: Playwright in Debian's Chromium against the portal as
# start.sh starts it (free port, throwaway data), then one line for .ci/run.
rm -rf packages/app/e2e-tests/results
KRATIX_SKIP_INSTALL=1 node "$YARN_JS" playwright test
e2e_rc=$?
node -e '
  let passed = 0, failed = 1;
  try {
    const { stats } = require(process.argv[1]);
    passed = stats.expected + stats.flaky;
    // A step that did not run after an earlier one failed has not passed.
    failed = stats.unexpected + stats.skipped;
  } catch {}
  console.log(`Browser tests: ${passed} passed, ${failed} failed`);
' "$(pwd)/packages/app/e2e-tests/results/results.json"

[ "$jest_rc" = 0 ] && [ "$e2e_rc" = 0 ]
