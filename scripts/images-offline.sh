#!/usr/bin/env bash
# Build the harness's service images without a container registry (`npm run images:offline`).
#
#   guarded-drop/debian-base:bookworm   debootstrap --variant=minbase rootfs, `docker import`ed
#   guarded-drop/postgres:15-offline    harness/images/postgres  (Debian's postgresql-15)
#   guarded-drop/redis:7-offline        harness/images/redis     (Debian's redis-server 7.0)
#   guarded-drop/rabbitmq:3-offline     harness/images/rabbitmq  (Debian's rabbitmq-server 3.10)
#   guarded-drop/nats:2-offline         harness/images/nats      (Debian's nats-server 2.9)
#
# Idempotent and cached: the base is imported only when its tag is missing, from a rootfs tarball
# kept in the cache directory, so it is debootstrapped only once per machine. A service image is
# rebuilt only when its build directory or the base image changed: the build carries a label with
# a hash of both, compared with the existing tag's.
#
# Environment:
#   DEBIAN_MIRROR             Debian mirror (default: the one the host's apt uses)
#   DEBIAN_SECURITY_MIRROR    Debian security mirror (default: the host's, else deb.debian.org)
#   GD_IMAGES_CACHE           cache directory (default ${XDG_CACHE_HOME:-$HOME/.cache}/guarded-drop)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
suite=bookworm
base_tag=guarded-drop/debian-base:$suite
hash_label=org.guarded-drop.build-hash
services=(postgres:15 redis:7 rabbitmq:3 nats:2)
cache_dir=${GD_IMAGES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/guarded-drop}
rootfs_tar=$cache_dir/debian-$suite-minbase.tar

log() { echo "images-offline: $*" >&2; }

"$repo/scripts/docker-up.sh"

# The first URI of the host's apt sources that serves suite "$1" (deb822 or one-line format).
host_mirror() {
  local suite_wanted=$1 f deb822=() one_line=()
  for f in /etc/apt/sources.list.d/*.sources; do
    if [ -f "$f" ]; then deb822+=("$f"); fi
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    if [ -f "$f" ]; then one_line+=("$f"); fi
  done
  {
    # deb822: a stanza's URIs line comes before its Suites line.
    if [ ${#deb822[@]} -gt 0 ]; then
      awk -v s="$suite_wanted" '
        /^URIs:/ { uri = $2 }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) { print uri; exit } }' "${deb822[@]}"
    fi
    # One-line format, without its [options].
    if [ ${#one_line[@]} -gt 0 ]; then
      sed -E 's/\[[^]]*\]//' "${one_line[@]}" |
        awk -v s="$suite_wanted" '$1 == "deb" && $3 == s { print $2; exit }'
    fi
  } | head -n 1
}

build_base() {
  if docker image inspect "$base_tag" >/dev/null 2>&1; then
    log "$base_tag exists, skipped"
    return
  fi
  if [ ! -s "$rootfs_tar" ]; then
    local mirror security
    mirror=${DEBIAN_MIRROR:-$(host_mirror "$suite")}
    mirror=${mirror:-http://deb.debian.org/debian}
    security=${DEBIAN_SECURITY_MIRROR:-$(host_mirror "$suite-security")}
    security=${security:-http://deb.debian.org/debian-security}
    command -v debootstrap >/dev/null 2>&1 || {
      log "installing debootstrap from apt"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2
    }
    mkdir -p "$cache_dir"
    # The rootfs is only scaffolding for the tarball: never leave it behind. (Global, not local:
    # the EXIT trap runs after the function is gone.)
    rootfs=$(mktemp -d "$cache_dir/rootfs.XXXXXX")
    trap 'rm -rf "$rootfs" "$rootfs_tar.part"' EXIT
    log "debootstrap --variant=minbase $suite from $mirror"
    debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >&2
    # Point-release and security updates, like the host; no package caches in the image.
    cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
EOF
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    # Written under a temporary name, so an interrupted run never leaves a truncated cache.
    tar --numeric-owner -C "$rootfs" -cf "$rootfs_tar.part" .
    mv "$rootfs_tar.part" "$rootfs_tar"
    rm -rf "$rootfs"
    trap - EXIT
  fi
  log "importing $rootfs_tar as $base_tag"
  docker import --change 'CMD ["bash"]' "$rootfs_tar" "$base_tag" >/dev/null
}

# Hash of everything a service image is built from: its build directory (file names and
# contents; modes do not matter, the Dockerfiles set them) and the base image it starts from.
build_hash() {
  local dir=$1
  {
    docker image inspect --format '{{.Id}}' "$base_tag"
    (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -d' ' -f1
}

build_service() {
  local name=$1 tag=$2 dir hash current
  dir=$repo/harness/images/$name
  hash=$(build_hash "$dir")
  current=$(docker image inspect --format "{{index .Config.Labels \"$hash_label\"}}" "$tag" 2>/dev/null || true)
  if [ "$current" = "$hash" ]; then
    log "$tag is up to date, skipped"
    return
  fi
  log "building $tag from harness/images/$name"
  docker build --label "$hash_label=$hash" --tag "$tag" "$dir" >&2
}

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

report=()
total_start=$(now)
start=$(now)
build_base
report+=("$base_tag" "$(elapsed "$start")")
for service in "${services[@]}"; do
  name=${service%%:*}
  tag=guarded-drop/$name:${service#*:}-offline
  start=$(now)
  build_service "$name" "$tag"
  report+=("$tag" "$(elapsed "$start")")
done
# A rebuilt tag leaves its previous image dangling; drop those (ours only, by label).
docker image prune --force --filter "label=$hash_label" >/dev/null
report+=(total "$(elapsed "$total_start")")

echo "Offline images (seconds):"
printf '  %-40s %6s\n' "${report[@]}"
