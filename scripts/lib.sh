# Shared by start.sh and test.sh: what a fresh machine with only Node and npm
# needs before the portal or its tests can run.

# Yarn itself comes from the npm registry npm is configured for (the
# @yarnpkg/cli-dist package, fetched by scripts/yarn-bootstrap.cjs, which is
# also .yarnrc.yml's yarnPath), so nothing but Node and npm is needed up front.
YARN_VERSION=4.13.0
YARN_JS="$(pwd)/.yarn/releases/yarn-$YARN_VERSION.cjs"

yarn() { node "$YARN_JS" "$@"; }

ensure_yarn() {
  [ -s "$YARN_JS" ] || node scripts/yarn-bootstrap.cjs --version > /dev/null
}

# Debian packages the project runs: bubblewrap (the pipeline sandbox) and
# postgresql (the tests' second database).
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "warning: missing Debian packages: ${missing[*]} (install them as root: apt-get install ${missing[*]})" >&2
    return 0
  fi
  echo "installing Debian packages: ${missing[*]}" >&2
  apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >&2
}

yarn_install() {
  ensure_yarn
  # better-sqlite3 builds from source against the local Node headers.
  export npm_config_nodedir="${npm_config_nodedir:-$(npm config get nodedir 2>/dev/null || true)}"
  [ "$npm_config_nodedir" = "undefined" ] && unset npm_config_nodedir
  yarn install --immutable
}
