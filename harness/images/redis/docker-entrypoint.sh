#!/usr/bin/env bash
# Entrypoint compatible with the official redis image for what @testcontainers/redis uses: the
# command is `redis-server [config file] [--option value…]` (or only the options).
set -euo pipefail

if [ "${1:0:1}" = '-' ]; then
  set -- redis-server "$@"
fi
if [ "$1" != redis-server ]; then
  exec "$@"
fi
shift

# Without a password, protected mode DENIES every client that is not on loopback, and clients on
# the host are not. Options given later (the command's) override this one; a config file must stay
# the first argument.
if [ $# -gt 0 ] && [ "${1:0:1}" != '-' ]; then
  conf=$1
  shift
  set -- "$conf" --protected-mode no "$@"
else
  set -- --protected-mode no "$@"
fi

if [ "$(id -u)" = 0 ]; then
  # A bind-mounted /data (withPersistence) must be writable by redis.
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups -- redis-server "$@"
fi
exec redis-server "$@"
