#!/usr/bin/env bash
# Installs Debian's Chromium for the end-to-end browser tests (test/e2e), where it is missing.
# Idempotent: when the browser is already there it only prints its version. Never downloads a
# browser of its own (no `playwright install`): the tests drive Debian's package with playwright-core.
#
#   bash scripts/install-chromium.sh      # CHROMIUM_PATH overrides /usr/bin/chromium
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [ ! -x "$CHROMIUM" ] && [ "$CHROMIUM" != /usr/bin/chromium ]; then
  echo "install-chromium: CHROMIUM_PATH=$CHROMIUM does not exist or is not executable" >&2
  exit 1
fi
bash "$(dirname "$0")/apt-install.sh" install-chromium "$CHROMIUM" chromium

# Debian's launcher script may print harmless shell warnings on stderr; keep only the version.
version="$(timeout 30 "$CHROMIUM" --version 2>/dev/null </dev/null || true)"
echo "install-chromium: ${version:-Chromium (version unknown)} at $CHROMIUM"
