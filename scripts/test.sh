#!/usr/bin/env bash
# Installs everything, type-checks and lints, then runs every test: unit,
# integration on SQLite and on a throwaway PostgreSQL, the tutorial end to
# end. Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages bubblewrap postgresql git openssh-server
yarn_install

export CI="${CI:-true}"
# Types and lint first: cheap, and they fail for reasons a test may not.
yarn tsc
yarn backstage-cli repo lint
exec bash scripts/with-postgres.sh node "$YARN_JS" backstage-cli repo test "$@"
