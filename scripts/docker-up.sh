#!/usr/bin/env bash
# Make a Docker engine answer on this machine, for the `containers` harness provider.
#
# Idempotent: exits 0 at once when `docker info` already answers. Otherwise installs Debian's
# docker.io when dockerd is missing, starts dockerd in the background (there is no systemd) and
# waits, bounded, until the engine answers.
#
# Environment:
#   DOCKERD_FLAGS        extra dockerd flags (none are needed on the reference machine)
#   DOCKERD_LOG          dockerd's log file (default /var/log/dockerd.log)
#   DOCKER_UP_TIMEOUT    seconds to wait for the engine (default 60)
set -euo pipefail

log_file=${DOCKERD_LOG:-/var/log/dockerd.log}
timeout_s=${DOCKER_UP_TIMEOUT:-60}
pid_file=/var/run/docker.pid

engine_answers() { docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && engine_answers; then
  exit 0
fi

# Installing packages and running dockerd both need root.
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    exec sudo -n --preserve-env=DOCKERD_FLAGS,DOCKERD_LOG,DOCKER_UP_TIMEOUT "$0" "$@"
  fi
  echo "docker-up: no Docker engine answers, and starting one needs root (or password-less sudo)." >&2
  exit 1
fi

# Two CI steps calling this at once must not start two daemons.
exec 9>/var/lock/guarded-drop-docker-up.lock
flock -w "$timeout_s" 9 || { echo "docker-up: another docker-up held the lock for ${timeout_s}s" >&2; exit 1; }
if command -v docker >/dev/null 2>&1 && engine_answers; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  echo "docker-up: installing docker.io from apt" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q docker.io >&2
fi

# A daemon that is still starting owns the pid file: wait for it rather than start a second one.
if [ -s "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  dockerd_pid=$(cat "$pid_file")
  echo "docker-up: dockerd (pid $dockerd_pid) is already running; waiting for it" >&2
else
  echo "docker-up: starting dockerd ${DOCKERD_FLAGS:-} (log: $log_file)" >&2
  # setsid: the daemon must outlive this script's process group (CI steps kill it on exit).
  # 9>&-: the daemon must not inherit, and so hold forever, the lock.
  # shellcheck disable=SC2086 # DOCKERD_FLAGS is a list of flags.
  setsid nohup dockerd ${DOCKERD_FLAGS:-} >>"$log_file" 2>&1 </dev/null 9>&- &
  dockerd_pid=$!
fi

fail() {
  echo "docker-up: $1. Last lines of $log_file:" >&2
  tail -n 40 "$log_file" >&2 || true
  exit 1
}
deadline=$((SECONDS + timeout_s))
until engine_answers; do
  # A daemon that exited (bad flag, storage driver, iptables…) will never answer: fail now.
  kill -0 "$dockerd_pid" 2>/dev/null || fail "dockerd (pid $dockerd_pid) exited"
  [ "$SECONDS" -lt "$deadline" ] || fail "the Docker engine did not answer within ${timeout_s}s"
  sleep 0.5
done
echo "docker-up: Docker engine $(docker version --format '{{.Server.Version}}') is up" >&2
