#!/usr/bin/env bash
# Entrypoint compatible with the official postgres image for what @testcontainers/postgresql uses:
# POSTGRES_USER (default postgres), POSTGRES_PASSWORD (required), POSTGRES_DB (default the user),
# and a command that is `postgres …` or only postgres flags.
set -euo pipefail

# `docker run image -c fsync=off` passes flags to postgres.
if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi
if [ "$1" != postgres ]; then
  exec "$@"
fi

# As root, prepare the directories, then run this script again as postgres (it refuses root).
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups -- "${BASH_SOURCE[0]}" "$@"
fi

# A restarted container keeps its data directory: initialise only once.
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  # Local (socket) connections are trusted: the module runs psql as root inside the container.
  # Host connections need the password, as scram. --no-sync here and fsync=off below: a test
  # server's set-up does not need to survive a host crash, and the fsyncs cost about a second.
  initdb --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync >/dev/null
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  case $db in
    postgres | template0 | template1) ;; # initdb created these
    *)
      # Single-user mode listens on nothing, so the health check cannot see a half-set-up
      # server. It exits 0 even when the statement fails, hence the check of its log.
      out=$(printf 'CREATE DATABASE "%s";\n' "${db//\"/\"\"}" |
        postgres --single -j -c fsync=off -D "$PGDATA" postgres 2>&1 >/dev/null)
      if grep -q 'ERROR:' <<<"$out"; then
        echo "$out" >&2
        exit 1
      fi
      ;;
  esac
  echo "docker-entrypoint: initialised $PGDATA (user $user, database $db)"
fi

exec "$@"
