#!/usr/bin/env bash
# Runs CI (`.ci/run`) on a clean clone several times in a row while busy loops keep the cores
# busy, and prints each run's time and result: a suite that passes only on a quiet machine fails
# by chance on a loaded one, and this shows it before a reviewer's machine does.
#
# Usage: scripts/ci-under-load.sh [repository] [ref]
#   repository  what to clone (default: this repository)
#   ref         the commit to run (default: HEAD of that repository)
#
# Environment:
#   CI_UNDER_LOAD_RUNS    runs in a row (default 3)
#   CI_UNDER_LOAD_LOOPS   busy loops beside each run (default 2: both cores of the reference machine)
#   CI_UNDER_LOAD_LOGS    where each run's full output goes (default .tmp/ci-under-load in this repository)
#
# Each busy loop is a `node -e 'for(;;){}'` started before a run and stopped by its pid right after
# it (and on exit, whatever ends the script). Exits 0 only when every run passed.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
source_repo=${1:-$here}
ref=${2:-HEAD}
runs=${CI_UNDER_LOAD_RUNS:-3}
loops=${CI_UNDER_LOAD_LOOPS:-2}
logs=${CI_UNDER_LOAD_LOGS:-$here/.tmp/ci-under-load}

if ! [[ $runs =~ ^[1-9][0-9]*$ ]]; then
  echo "Cannot run CI under load as 'CI_UNDER_LOAD_RUNS' must be a whole number, 1 or more: current value is '$runs'" >&2
  exit 2
fi
if ! [[ $loops =~ ^[0-9]+$ ]]; then
  echo "Cannot run CI under load as 'CI_UNDER_LOAD_LOOPS' must be a whole number: current value is '$loops'" >&2
  exit 2
fi
commit=$(git -C "$source_repo" rev-parse --verify "$ref^{commit}")
mkdir -p "$logs"
work=$(mktemp -d "${TMPDIR:-/tmp}/guarded-drop-ci-under-load.XXXXXX")

busy=()
stop_busy() {
  local pid
  for pid in "${busy[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  busy=()
}
trap 'stop_busy; rm -rf "$work"' EXIT

results=()
failed=0
for run in $(seq "$runs"); do
  clone="$work/run$run"
  log="$logs/run$run.log"
  git clone --quiet --no-local "$source_repo" "$clone"
  git -C "$clone" checkout --quiet --detach "$commit"
  for _ in $(seq "$loops"); do
    node -e 'for(;;){}' &
    busy+=($!)
  done
  echo "run $run/$runs: .ci/run on a clean clone of ${commit:0:12}, beside $loops busy loop(s) (pids ${busy[*]:-none}); log: $log"
  started=$(date +%s)
  set +e
  (cd "$clone" && .ci/run) >"$log" 2>&1
  code=$?
  set -e
  seconds=$(($(date +%s) - started))
  stop_busy
  # `npm test` closes with "N passed, N failed, N skipped".
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -1 || true)
  [ "$code" -eq 0 ] || failed=$((failed + 1))
  results+=("run $run: exit $code, $((seconds / 60)) min $((seconds % 60)) s, ${summary:-no test summary (see the log)}")
  echo "  ${results[-1]}"
  rm -rf "$clone"
done

echo
echo "CI under load: $runs run(s) of .ci/run on ${commit:0:12}, $loops busy loop(s) beside each, on $(nproc) core(s)"
printf '  %s\n' "${results[@]}"
if [ "$failed" -gt 0 ]; then
  echo "$failed of $runs run(s) failed: the logs are in $logs" >&2
  exit 1
fi
