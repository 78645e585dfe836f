#!/usr/bin/env bash
# Makes local stand-ins, under the exact names docker/Dockerfile and docker/compose*.yml use, for
# the public images they are built from and run with, so that those files build and run
# unchanged with `--pull=never` on a machine that reaches no image registry (this one: only
# Debian's, crates.io, PyPI and npm are reachable). The files keep naming the real images;
# users and GitHub Actions pull those.
#
#   stand-in name                              made from                       file
#   localhost/conduit-standin/debian:bookworm  debootstrap --variant=minbase   (the root of the others)
#   docker.io/library/rust:<RUST_VERSION>-bookworm   that root + gcc, make, git + this machine's
#                                              Rust toolchain and CA certificates   standins/rust.Containerfile
#   gcr.io/distroless/cc-debian12:nonroot      FROM scratch: glibc, libgcc, libstdc++, OpenSSL,
#                                              CA certificates, tzdata, passwd with 65532   standins/distroless-cc.Containerfile
#   docker.io/library/nginx:1.27-alpine        Debian's nginx 1.22               standins/nginx.Containerfile
#   docker.io/library/postgres:16-alpine       Debian's PostgreSQL 15 + the official entrypoint's
#                                              POSTGRES_* initialisation         standins/postgres.Containerfile
#   docker.io/library/mysql:8.4                Debian's MariaDB 10.11 + the official entrypoint's
#                                              MYSQL_* initialisation            standins/mysql.Containerfile
#
# Cached between runs on the same machine: the Debian root is made once (`--refresh` makes it
# again, e.g. for Debian's security updates), and the rest are podman builds whose layers are
# reused until a Containerfile, the toolchain or the CA certificates change (seconds when warm).
# Needs deploy/podman/setup.sh first. Run as root.
#
#   bash deploy/podman/base-images.sh [--refresh]
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$(cd ../.. && pwd)"
CONTAINERS_DIR="${CONDUIT_CONTAINERS_DIR:-/var/tmp/conduit-containers}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
HOST_CA_DIR=/usr/local/share/ca-certificates
DEBIAN_ROOT=localhost/conduit-standin/debian:bookworm

# The image names, read from the files that use them, so that the two cannot drift apart.
rust_version="$(sed -n 's/^ARG RUST_VERSION=//p' "$ROOT/docker/Dockerfile")"
runtime_image="$(sed -n 's/^FROM \([^ ]*\) AS runtime$/\1/p' "$ROOT/docker/Dockerfile")"
compose_image() { sed -n "s/^    image: \\($1:[^ ]*\\)$/\\1/p" "$ROOT"/docker/compose*.yml | head -n 1; }
nginx_image="$(compose_image nginx)"
postgres_image="$(compose_image postgres)"
mysql_image="$(compose_image mysql)"
for name in rust_version runtime_image nginx_image postgres_image mysql_image; do
  [ -n "${!name}" ] || { echo "base-images: could not read $name from docker/" >&2; exit 1; }
done

qualified() {  # rust:1.95-bookworm -> docker.io/library/rust:1.95-bookworm
  case "$1" in */*.*/* | *.*/*) echo "$1" ;; */*) echo "docker.io/$1" ;; *) echo "docker.io/library/$1" ;; esac
}

step() { printf 'base-images: %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }

# 1. The Debian bookworm root every stand-in starts from.
if [ "${1:-}" = --refresh ] || ! podman image exists "$DEBIAN_ROOT"; then
  step "debootstrap bookworm into $DEBIAN_ROOT"
  mkdir -p "$CONTAINERS_DIR/debootstrap-cache"
  rootfs="$(mktemp -d "$CONTAINERS_DIR/rootfs.XXXXXX")"
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase --cache-dir="$CONTAINERS_DIR/debootstrap-cache" \
    bookworm "$rootfs" "$DEBIAN_MIRROR" >"$CONTAINERS_DIR/debootstrap.log" 2>&1 \
    || { tail -20 "$CONTAINERS_DIR/debootstrap.log" >&2; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/*
  # Images have no host names or machine ids of their own.
  : >"$rootfs/etc/machine-id"
  tar -C "$rootfs" --numeric-owner -c . \
    | podman import --change 'CMD ["bash"]' --message "debootstrap --variant=minbase bookworm" - "$DEBIAN_ROOT" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
fi

build() {  # build NAME CONTAINERFILE [podman build options...]
  local name="$1" file="$2"
  shift 2
  step "$(qualified "$name") from standins/$file"
  podman build --pull=never --format docker --quiet -t "$(qualified "$name")" \
    -f "standins/$file" "$@" standins >/dev/null
}

# 2. The builder, with this machine's toolchain: its version must be the Dockerfile's.
sysroot="$(rustc --print sysroot)"
host_version="$(rustc --version | cut -d' ' -f2)"
case "$host_version" in
  "$rust_version" | "$rust_version".*) ;;
  *) echo "base-images: docker/Dockerfile wants Rust $rust_version, this machine has $host_version" >&2; exit 1 ;;
esac
toolchain_id="$(rustc -vV | sha256sum | cut -c1-16)"
host_ca_id="$(cat "$HOST_CA_DIR"/*.crt 2>/dev/null | sha256sum | cut -c1-16)"
mkdir -p "$HOST_CA_DIR"
build "rust:${rust_version}-bookworm" rust.Containerfile \
  --build-arg "RUST_VERSION=$host_version" --build-arg "TOOLCHAIN_ID=$toolchain_id" \
  --build-arg "HOST_CA_ID=$host_ca_id" \
  --volume "$sysroot:/mnt/toolchain:ro" --volume "$HOST_CA_DIR:/mnt/host-ca:ro"

# 3. The runtime base and the services compose runs.
build "$runtime_image" distroless-cc.Containerfile
build "$nginx_image" nginx.Containerfile
build "$postgres_image" postgres.Containerfile
build "$mysql_image" mysql.Containerfile

podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' \
  | grep -E "conduit-standin|/rust:|distroless|/nginx:|/postgres:|/mysql:" | sed 's/^/base-images: /'
