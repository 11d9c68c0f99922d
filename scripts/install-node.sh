#!/usr/bin/env bash
# Installs Node.js 24 LTS where the machine has an older Node (these machines come with Node 20, which
# is past its end of life), without touching the system's own Node: the official binary comes from the
# npm registry (the node-linux-<arch> package ships it inside its tarball; npm checks its integrity),
# into a folder outside the tracked tree. Nothing is downloaded at install time by anything else.
# npm itself is not installed: the system's npm starts with `#!/usr/bin/env node`, so once this folder
# is first on PATH, npm and every `npm run` script run on Node 24 too.
#
#   bash scripts/install-node.sh          installs if needed, then prints how to put it on PATH
#   bash scripts/install-node.sh --bin    installs if needed, then prints only the folder to put on PATH
#                                         (.ci/run uses this)
#
# The folder is $NCF_NODE_HOME, by default ~/.cache/ncf-gateway/node-<version>. With Node 24 or later
# already first on PATH, nothing is installed and that Node's folder is printed. Running it again, or
# twice at once, is safe: the binary is put in place with an atomic rename.
set -euo pipefail

NODE_VERSION="24.22.3"
WANT_MAJOR=24

print_only_bin=false
case "${1:-}" in
  --bin) print_only_bin=true ;;
  "") ;;
  *) echo "usage: bash scripts/install-node.sh [--bin]" >&2; exit 64 ;;
esac
say() { if ! $print_only_bin; then echo "$@" >&2; fi; }

current_ok() {
  command -v node >/dev/null 2>&1 || return 1
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" || return 1
  ((major >= WANT_MAJOR))
}

if current_ok; then
  bin="$(dirname "$(command -v node)")"
  say "Node $(node --version) is first on PATH (${bin}); nothing to install."
  if $print_only_bin; then echo "$bin"; fi
  exit 0
fi

case "$(uname -m)" in
  x86_64 | amd64) arch="x64" ;;
  aarch64 | arm64) arch="arm64" ;;
  *)
    echo "install-node: no node-linux package for this machine ($(uname -m)); install Node ${WANT_MAJOR} yourself" >&2
    exit 1
    ;;
esac
if ! command -v npm >/dev/null 2>&1; then
  echo "install-node: npm is needed to fetch node-linux-${arch}@${NODE_VERSION} from the npm registry" >&2
  exit 1
fi

home="${NCF_NODE_HOME:-${HOME:?}/.cache/ncf-gateway/node-${NODE_VERSION}}"
installed="$("${home}/bin/node" -p 'process.versions.node' 2>/dev/null || true)"
if [[ "$installed" != "$NODE_VERSION" ]]; then
  # On stderr even with --bin, so that CI's log says where its Node came from.
  echo "install-node: installing Node ${NODE_VERSION} (node-linux-${arch} from the npm registry) into ${home}" >&2
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  tarball="$(cd "$work" && npm pack --silent "node-linux-${arch}@${NODE_VERSION}" | tail -n 1)"
  tar -xzf "${work}/${tarball}" -C "$work" package/bin/node package/LICENSE
  mkdir -p "${home}/bin"
  cp "${work}/package/LICENSE" "${home}/LICENSE"
  cp "${work}/package/bin/node" "${home}/bin/.node.$$"
  chmod 755 "${home}/bin/.node.$$"
  mv -f "${home}/bin/.node.$$" "${home}/bin/node"
fi

if [[ "$("${home}/bin/node" -p 'process.versions.node')" != "$NODE_VERSION" ]]; then
  echo "install-node: ${home}/bin/node does not run as Node ${NODE_VERSION}" >&2
  exit 1
fi
if $print_only_bin; then
  echo "${home}/bin"
else
  say "Node v${NODE_VERSION} is in ${home}/bin. Put it first on PATH (npm then runs on it too):"
  say "  export PATH=\"${home}/bin:\$PATH\""
fi
