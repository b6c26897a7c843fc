#!/usr/bin/env bash
# Installs everything and starts the portal on the embedded default: SQLite
# and a filesystem state store under .kratix-data/, in the Kratix tutorial's
# starting state. Extra arguments go to the backend (e.g. --config my.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages bubblewrap
yarn_install

mkdir -p .kratix-data
if [ -z "${KRATIX_API_TOKEN:-}" ]; then
  [ -s .kratix-data/api-token ] ||
    node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))' > .kratix-data/api-token
  KRATIX_API_TOKEN="$(cat .kratix-data/api-token)"
  export KRATIX_API_TOKEN
fi
echo "Kratix API: http://localhost:${KRATIX_PORT:-7007}/api/kratix (token: .kratix-data/api-token)"
cd packages/backend
exec node "$YARN_JS" start "$@"
