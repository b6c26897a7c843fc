#!/usr/bin/env bash
# Installs everything, builds the app when its sources changed, and starts the
# portal (the backend serving the app) on the embedded default: SQLite and a
# filesystem state store under .kratix-data/, in the Kratix tutorial's
# starting state. Extra arguments go to the backend (e.g. --config my.yaml).
#
# Environment: KRATIX_PORT (7007), KRATIX_DATA_DIR (.kratix-data),
# KRATIX_API_TOKEN (made once into .kratix-data/api-token), and
# KRATIX_SKIP_INSTALL=1 to skip `yarn install` when it has just run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages bubblewrap
if [ "${KRATIX_SKIP_INSTALL:-}" = 1 ]; then ensure_yarn; else yarn_install; fi

# The backend serves packages/app/dist; rebuild it only when what goes into it
# is newer, so a restart does not wait for a build.
app_dist=packages/app/dist/index.html
if [ ! -s "$app_dist" ] || [ -n "$(find packages/app/src packages/app/public packages/app/package.json \
  plugins/kratix/src plugins/kratix/package.json plugins/kratix-common/src yarn.lock \
  -newer "$app_dist" -print -quit 2>/dev/null)" ]; then
  echo "Building the app..." >&2
  (cd packages/app && yarn backstage-cli package build > /dev/null)
fi

mkdir -p .kratix-data
token_note='$KRATIX_API_TOKEN'
if [ -z "${KRATIX_API_TOKEN:-}" ]; then
  token_note=.kratix-data/api-token
  [ -s .kratix-data/api-token ] ||
    node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))' > .kratix-data/api-token
  KRATIX_API_TOKEN="$(cat .kratix-data/api-token)"
  export KRATIX_API_TOKEN
fi
# Backstage refuses a shorter static token, and then every plugin fails.
if [ "${#KRATIX_API_TOKEN}" -lt 8 ]; then
  echo "start.sh: KRATIX_API_TOKEN must be at least 8 characters long." >&2
  exit 1
fi

url="http://localhost:${KRATIX_PORT:-7007}"
# Says where to go once the backend answers, not before.
(
  for _ in $(seq 600); do
    kill -0 $$ 2> /dev/null || exit 0
    if node -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
      "http://127.0.0.1:${KRATIX_PORT:-7007}/.backstage/health/v1/readiness"; then
      printf '\nPortal: %s  (sign in as guest)\nKratix API: %s/api/kratix (token: %s)\n\n' "$url" "$url" "$token_note" >&2
      exit 0
    fi
    sleep 1
  done
) &
cd packages/backend
exec node "$YARN_JS" start "$@"
