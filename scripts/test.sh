#!/usr/bin/env bash
# Installs everything and runs every test: unit, integration on SQLite and on
# a throwaway PostgreSQL, the tutorial end to end. Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages bubblewrap postgresql
yarn_install

export CI="${CI:-true}"
exec bash scripts/with-postgres.sh node "$YARN_JS" backstage-cli repo test "$@"
