#!/usr/bin/env bash
# Installs Debian's redis-server for the fleet tests (test/fleet: several gateway replicas sharing one
# Redis), where it is missing. Idempotent: when it is there it only prints its version. The tests start
# their own server on a free loopback port with persistence off and stop it; this script never starts one.
#
#   bash scripts/install-redis.sh      # REDIS_SERVER_PATH overrides /usr/bin/redis-server
set -euo pipefail

REDIS_SERVER="${REDIS_SERVER_PATH:-/usr/bin/redis-server}"

if [ ! -x "$REDIS_SERVER" ] && [ "$REDIS_SERVER" != /usr/bin/redis-server ]; then
  echo "install-redis: REDIS_SERVER_PATH=$REDIS_SERVER does not exist or is not executable" >&2
  exit 1
fi
bash "$(dirname "$0")/apt-install.sh" install-redis "$REDIS_SERVER" redis-server

echo "install-redis: $(timeout 30 "$REDIS_SERVER" --version </dev/null) at $REDIS_SERVER"
