#!/usr/bin/env bash
# Installs a real VS Code for the e2e and extension-host tests: code-server 4.100.3 (= VS Code 1.100.3, the last
# code-server line that runs on Node 20), plus Debian's chromium to drive its web workbench.
#
# Why code-server and not the desktop build: this machine (and CI) reach only the npm registry and Debian apt, and
# neither ships an Electron/VS Code binary. code-server's extension host is plain Node, the same host the desktop
# build runs extensions in, native modules (onnxruntime-node, LanceDB) included.
#
# Usage: scripts/install-code-server.sh [DIR]      (default: <repo>/.cache/code-server, git-ignored)
# Env:   CS_VERSION (default 4.100.3), SKIP_APT=1 (never call apt-get), NODEDIR (node headers, default /usr)
# Idempotent: returns at once when DIR already holds a completed install of CS_VERSION.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-$REPO/.cache/code-server}
CS_VERSION=${CS_VERSION:-4.100.3}
STAMP="$DIR/.installed-$CS_VERSION"
START=$(date +%s)
log() { printf '[install-code-server] %s\n' "$*"; }

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
CS="$DIR/node_modules/code-server"
RG_LINK="$CS/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"

# ---- system packages, only those missing -------------------------------------------------------------------------
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# build-essential: node-pty, spdlog, kerberos and native-watchdog in VS Code's server are built from source
{ command -v make >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1; } || missing+=(build-essential)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if ((${#missing[@]})); then
  if [[ "${SKIP_APT:-}" == 1 ]]; then
    log "missing system packages (${missing[*]}) and SKIP_APT=1: install them yourself"; exit 1
  fi
  SUDO=; [[ $(id -u) == 0 ]] || SUDO=sudo
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  log "system packages present (chromium, ripgrep, python3, build-essential, libkrb5-dev)"
fi

# ---- code-server itself -------------------------------------------------------------------------------------------
if [[ -f "$STAMP" && -x "$DIR/node_modules/.bin/code-server" && -e "$RG_LINK" ]]; then
  log "code-server $CS_VERSION already installed in $DIR"
  exit 0
fi
rm -f "$DIR"/.installed-*

# A private package.json so npm installs into DIR and not into the repo. npm's allow-scripts: code-server's own
# postinstall must NOT run under npm (npm_config_* leak into its nested installs and fail with EALLOWSCRIPTS); we run
# it by hand below. argon2 (password hashing, a prebuilt in its tarball) may run its script.
cat > "$DIR/package.json" <<JSON
{
  "name": "related-papers-code-server",
  "private": true,
  "description": "code-server for the Related Papers e2e tests (scripts/install-code-server.sh)",
  "allowScripts": { "code-server": false, "argon2": true }
}
JSON
log "npm install code-server@$CS_VERSION"
(cd "$DIR" && npm install --no-audit --no-fund --no-save --loglevel=error "code-server@$CS_VERSION")

# @vscode/ripgrep's postinstall downloads a binary from GitHub (unreachable): deny it, symlink Debian's rg instead.
node -e '
  const fs = require("fs"), f = process.argv[1], p = JSON.parse(fs.readFileSync(f, "utf8"));
  p.allowScripts = { ...(p.allowScripts || {}), "@vscode/ripgrep": false };
  fs.writeFileSync(f, JSON.stringify(p, null, 2));' "$CS/lib/vscode/package.json"

# code-server's postinstall installs VS Code's server-side node_modules and builds their native parts.
#  - npm_config_yes=true: node-pty runs `npx node-gyp`, which must not prompt.
#  - npm_config_nodedir: node-gyp would download Node headers from nodejs.org; Debian's nodejs ships them in /usr.
#  - a clean env (env -u) so npm_config_* of an enclosing `npm run` do not leak into the nested installs.
#  - npm_config_unsafe_perm=true: as root, its postinstall refuses to run without it.
log "running code-server's postinstall (builds native modules; ~1 min)"
(
  cd "$CS"
  unset $(env | sed -n 's/^\(npm_[A-Za-z_]*\)=.*/\1/p') 2>/dev/null || true
  env npm_config_yes=true npm_config_nodedir="${NODEDIR:-/usr}" \
    npm_config_user_agent="npm/$(npm -v) node/$(node -v) linux x64 workspaces/false" npm_config_unsafe_perm=true \
    sh ./postinstall.sh
)

mkdir -p "$(dirname "$RG_LINK")"
ln -sf "$(command -v rg)" "$RG_LINK"

# --version writes a default config under XDG_CONFIG_HOME: keep it out of the user's HOME
XDG_CONFIG_HOME="$DIR/.xdg-config" XDG_DATA_HOME="$DIR/.xdg-data" "$DIR/node_modules/.bin/code-server" --version
touch "$STAMP"
log "done in $(( $(date +%s) - START ))s: $DIR/node_modules/.bin/code-server"
