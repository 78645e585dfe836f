#!/usr/bin/env bash
# Prepares this machine to build and run Conduit's containers with Podman, as CI does:
#   - installs Debian's podman, buildah, runc, netavark + aardvark-dns (container networks with
#     name resolution, which compose needs), iptables, debootstrap (base images are made here:
#     no image registry is reachable), uidmap, slirp4netns and fuse-overlayfs;
#   - writes /etc/containers/containers.conf and storage.conf for this machine (see below);
#   - installs podman-compose (PyPI) into a virtualenv of its own under $TOOLS_DIR.
# Idempotent: a second run changes nothing. Run as root. On a laptop with Docker or a working
# Podman none of this is needed (docs/DEPLOY.md).
#
#   bash deploy/podman/setup.sh
set -euo pipefail

TOOLS_DIR="${TOOLS_DIR:-/var/tmp/conduit-tools}"
CONTAINERS_DIR="${CONDUIT_CONTAINERS_DIR:-/var/tmp/conduit-containers}"
PODMAN_COMPOSE_VERSION=1.6.0
packages=(podman buildah runc conmon catatonit netavark aardvark-dns iptables uidmap slirp4netns
  fuse-overlayfs debootstrap golang-github-containers-common)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "podman setup: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# This machine's quirks, each found by trying:
#   runtime = runc        crun refuses the mixed cgroup v1/v2 layout;
#   cgroupfs, file        there is no systemd (PID 1 is not systemd) and no journald;
#   default_ulimits       podman's defaults are higher than this machine allows and are refused;
#                         open files as the current hard limit, processes 4096 (even the current
#                         limit is refused for processes).
nofile="$(ulimit -Hn)"
[ "$nofile" = unlimited ] && nofile=1048576
conf="$(cat <<CONF
# Written by deploy/podman/setup.sh (Conduit CI) for this machine.
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
)"
mkdir -p /etc/containers
[ "$(cat /etc/containers/containers.conf 2>/dev/null)" = "$conf" ] || printf '%s\n' "$conf" >/etc/containers/containers.conf

# Images and build caches under /var/tmp, which CI keeps between runs on the same machine.
storage="$(cat <<CONF
# Written by deploy/podman/setup.sh (Conduit CI) for this machine.
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "${CONTAINERS_DIR}/storage"
CONF
)"
[ "$(cat /etc/containers/storage.conf 2>/dev/null)" = "$storage" ] || printf '%s\n' "$storage" >/etc/containers/storage.conf

venv="$TOOLS_DIR/compose-venv"
if ! "$venv/bin/podman-compose" --version 2>/dev/null | grep -q "$PODMAN_COMPOSE_VERSION"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "podman-compose==$PODMAN_COMPOSE_VERSION"
fi

podman --version
"$venv/bin/podman-compose" --version 2>/dev/null | grep -i 'podman-compose version' || true
