#!/usr/bin/env bash
# Entrypoint compatible with the official rabbitmq image for what @testcontainers/rabbitmq uses:
# RABBITMQ_DEFAULT_USER and RABBITMQ_DEFAULT_PASS (the module sets both to guest).
set -euo pipefail

if [ "$1" != rabbitmq-server ]; then
  exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
  # The broker creates this user (an administrator) when its database is new, i.e. on the first
  # start of the container.
  defaults=/etc/rabbitmq/conf.d/20-default-user.conf
  rm -f "$defaults"
  if [ -n "${RABBITMQ_DEFAULT_USER:-}" ] || [ -n "${RABBITMQ_DEFAULT_PASS:-}" ]; then
    install -m 640 -o root -g rabbitmq /dev/null "$defaults"
    {
      [ -z "${RABBITMQ_DEFAULT_USER:-}" ] || echo "default_user = $RABBITMQ_DEFAULT_USER"
      [ -z "${RABBITMQ_DEFAULT_PASS:-}" ] || echo "default_pass = $RABBITMQ_DEFAULT_PASS"
    } >"$defaults"
  fi
  exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups -- /usr/lib/rabbitmq/bin/rabbitmq-server
fi
exec /usr/lib/rabbitmq/bin/rabbitmq-server
