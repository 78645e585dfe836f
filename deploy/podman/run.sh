#!/usr/bin/env bash
# The container part of CI, each step timed: Podman set up, stand-in base images made (cached),
# the image built from docker/Dockerfile and tested (image-test.py), then the compose stack on
# PostgreSQL under failure (compose-test.py) and on MySQL (smoke). Bounded: every test loop has a
# time limit; the podman builds reuse their layers between runs on the same machine.
#
#   bash deploy/podman/run.sh
set -euo pipefail
cd "$(dirname "$0")"
export PYTHONDONTWRITEBYTECODE=1

timed() {
  local started=$SECONDS
  printf '\n--- %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"
  shift
  "$@"
  printf -- '--- took %d s\n' "$((SECONDS - started))"
}

timed "podman set-up" bash setup.sh
# Working containers that an interrupted build left behind each hold a layer's files (gigabytes
# for the Rust build); nothing else on this machine builds with podman.
buildah rm --all >/dev/null
timed "stand-in base images" bash base-images.sh
timed "image: build, cache check, run" python3 image-test.py --image localhost/conduit:local
timed "compose stack on PostgreSQL" python3 compose-test.py --variant postgres --image localhost/conduit:local
timed "compose stack on MySQL" python3 compose-test.py --variant mysql --image localhost/conduit:local

# Keep the disk in check: the builder stage of this build stays tagged (its layers, the
# dependency layer among them, are the next build's cache); what older builds left is removed.
podman build --pull=never --format docker --quiet -f ../../docker/Dockerfile --target builder \
  -t localhost/conduit-builder:cache ../.. >/dev/null
podman image prune -f >/dev/null
