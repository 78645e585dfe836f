#!/usr/bin/env bash
# The browser test: the real binary (SQLite) in headless Chromium with every non-loopback host
# blocked. The GraphiQL playground must render, run a query typed into it and show the result;
# the API docs page (Swagger UI) must render the REST operations. Neither page may try to reach
# another host, break its Content-Security-Policy or throw.
#
#   bash tests/browser/run.sh [path/to/conduit]   (default: $CONDUIT_BIN, else the release build)
#
# Installs what it needs on first use: Debian's chromium and npm, and playwright-core (pinned, no
# bundled browser) from npm under $TOOLS_DIR/browser, reused by later runs.
set -euo pipefail
cd "$(dirname "$0")/../.."

BINARY="${1:-${CONDUIT_BIN:-${CARGO_TARGET_DIR:-target}/release/conduit}}"
TOOLS_DIR="${TOOLS_DIR:-/var/tmp/conduit-tools}"
BROWSER_DIR="$TOOLS_DIR/browser"
PLAYWRIGHT_CORE_VERSION=1.65.1
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
installed=$(node -p "require('$BROWSER_DIR/node_modules/playwright-core/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$PLAYWRIGHT_CORE_VERSION" ]; then
  mkdir -p "$BROWSER_DIR"
  npm install --silent --no-audit --no-fund --prefix "$BROWSER_DIR" "playwright-core@$PLAYWRIGHT_CORE_VERSION"
fi

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Port 0: the OS picks a free port, which the start-up banner names.
DATABASE_URL="sqlite://$work/conduit.db" DATA_DIR="$work/data" BIND_ADDRESS=127.0.0.1:0 \
  LOG_FORMAT=text RUST_LOG=warn "$BINARY" >"$work/server.log" 2>&1 &
server=$!
base=""
for _ in $(seq 1 100); do
  base=$(sed -n 's|^  REST API: *\(http://[0-9.:]*\)/api$|\1|p' "$work/server.log")
  [ -n "$base" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$base" ] || { echo "the server did not start" >&2; cat "$work/server.log" >&2; exit 1; }

BROWSER_DIR="$BROWSER_DIR" CHROMIUM="$CHROMIUM" SCREENSHOT_DIR="${SCREENSHOT_DIR:-}" \
  node tests/browser/pages.cjs "$base"
