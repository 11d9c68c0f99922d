#!/usr/bin/env bash
# Installs one Debian package where its binary is missing: the shared body of install-chromium.sh and
# install-redis.sh. Bounded in time (no CI hangs on a slow mirror or a held lock), root or sudo -n only,
# never a download of its own: Debian's package or nothing.
#
#   bash scripts/apt-install.sh <name-for-messages> <binary-path> <debian-package>
# Exits 0 when the binary is there (already, or after installing), 1 with the reason otherwise.
set -euo pipefail

NAME="$1"
BINARY="$2"
PACKAGE="$3"
APT_UPDATE_TIMEOUT="${APT_UPDATE_TIMEOUT:-300}"
APT_INSTALL_TIMEOUT="${APT_INSTALL_TIMEOUT:-900}"

[ -x "$BINARY" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "$NAME: $BINARY is missing and apt-get is not available; install Debian's '$PACKAGE' package" >&2
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    # -n: fail at once instead of prompting for a password.
    SUDO=(sudo -n)
  else
    echo "$NAME: $BINARY is missing; installing it needs root, and this user is not root and has no sudo" >&2
    exit 1
  fi
fi

echo "$NAME: $BINARY is missing; installing Debian's $PACKAGE package"
APT_OPTS=(-o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=120)
if ! ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive timeout "$APT_UPDATE_TIMEOUT" \
    apt-get "${APT_OPTS[@]}" update </dev/null; then
  echo "$NAME: apt-get update failed (or took over ${APT_UPDATE_TIMEOUT}s)" >&2
  exit 1
fi
if ! ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive timeout "$APT_INSTALL_TIMEOUT" \
    apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "$PACKAGE" </dev/null; then
  echo "$NAME: apt-get install $PACKAGE failed (or took over ${APT_INSTALL_TIMEOUT}s)" >&2
  exit 1
fi
if [ ! -x "$BINARY" ]; then
  echo "$NAME: the $PACKAGE package installed, but $BINARY is still missing" >&2
  exit 1
fi
