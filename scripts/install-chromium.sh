#!/usr/bin/env bash
# Installs Debian's Chromium for the end-to-end browser tests (test/e2e), where it is missing.
# Idempotent: when the browser is already there it only prints its version. Never downloads a
# browser of its own (no `playwright install`): the tests drive Debian's package with playwright-core.
#
#   bash scripts/install-chromium.sh      # CHROMIUM_PATH overrides /usr/bin/chromium
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
# Bounds for each step, so CI never hangs on a slow mirror or a held lock.
APT_UPDATE_TIMEOUT="${APT_UPDATE_TIMEOUT:-300}"
APT_INSTALL_TIMEOUT="${APT_INSTALL_TIMEOUT:-900}"

print_version() {
  # Debian's launcher script may print harmless shell warnings on stderr; keep only the version.
  local version
  version="$(timeout 30 "$CHROMIUM" --version 2>/dev/null </dev/null || true)"
  echo "install-chromium: ${version:-Chromium (version unknown)} at $CHROMIUM"
}

if [ -x "$CHROMIUM" ]; then
  print_version
  exit 0
fi

if [ "$CHROMIUM" != /usr/bin/chromium ]; then
  echo "install-chromium: CHROMIUM_PATH=$CHROMIUM does not exist or is not executable" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: $CHROMIUM is missing and apt-get is not available; install Debian's 'chromium' package (or set CHROMIUM_PATH)" >&2
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    # -n: fail at once instead of prompting for a password.
    SUDO=(sudo -n)
  else
    echo "install-chromium: $CHROMIUM is missing; installing it needs root, and this user is not root and has no sudo" >&2
    exit 1
  fi
fi

echo "install-chromium: $CHROMIUM is missing; installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=120)

if ! ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive timeout "$APT_UPDATE_TIMEOUT" \
    apt-get "${APT_OPTS[@]}" update </dev/null; then
  echo "install-chromium: apt-get update failed (or took over ${APT_UPDATE_TIMEOUT}s)" >&2
  exit 1
fi
if ! ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive timeout "$APT_INSTALL_TIMEOUT" \
    apt-get "${APT_OPTS[@]}" install -y --no-install-recommends chromium </dev/null; then
  echo "install-chromium: apt-get install chromium failed (or took over ${APT_INSTALL_TIMEOUT}s)" >&2
  exit 1
fi

if [ ! -x "$CHROMIUM" ]; then
  echo "install-chromium: the chromium package installed, but $CHROMIUM is still missing" >&2
  exit 1
fi
print_version
