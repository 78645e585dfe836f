#!/usr/bin/env bash
# HTTP throughput and latency of the release binary on a seeded database, with wrk.
#
#   bash bench/http.sh                      # SQLite in a temporary folder
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/conduit_bench bash bench/http.sh
#
# The database must be empty (or absent, for SQLite): the script seeds 200 users and 10,000
# articles first. Talks to 127.0.0.1 only; each run lasts DURATION seconds per endpoint.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-18090}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/conduit-target}"

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
cargo build --release --locked --quiet
binary="$CARGO_TARGET_DIR/release/conduit"

workdir="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$workdir"' EXIT
export DATABASE_URL="${DATABASE_URL:-sqlite://$workdir/bench.db}"
export JWT_SECRET="${JWT_SECRET:-benchmark-secret-benchmark-secret-xx}"
export BIND_ADDRESS="127.0.0.1:$PORT" RUST_LOG=warn DB_POOL_SIZE="${DB_POOL_SIZE:-16}"

echo "== seeding ($DATABASE_URL)"
"$binary" seed --users 200 --articles 10000
"$binary" >"$workdir/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break; sleep 0.2; done

base="http://127.0.0.1:$PORT"
slug=$(curl -sf "$base/api/articles?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["articles"][0]["slug"])')
token=$(curl -sf "$base/api/users/login" -H 'content-type: application/json' \
  -d "{\"user\":{\"email\":\"$(curl -sf "$base/api/articles?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["articles"][0]["author"]["username"])')@example.com\",\"password\":\"conduit-demo\"}}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["user"]["token"])')

run() {
  local label="$1"; shift
  local output
  output=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@")
  printf '%-45s %10s req/s   p50 %8s   p99 %8s\n' "$label" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$output")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$output")" \
    "$(awk '$1 == "99%" {print $2}' <<<"$output")"
  if grep -q "Non-2xx" <<<"$output"; then grep "Non-2xx" <<<"$output"; fi
}

echo "== wrk: $CONNECTIONS connections, ${DURATION}s each, 2 threads, $(nproc) cores shared with the server"
run "GET /api/articles (20, anonymous)" "$base/api/articles"
run "GET /api/articles (20, signed in)" -H "Authorization: Token $token" "$base/api/articles"
run "GET /api/articles?tag=rust&limit=100" "$base/api/articles?tag=rust&limit=100"
run "GET /api/articles/feed (signed in)" -H "Authorization: Token $token" "$base/api/articles/feed"
run "GET /api/articles/{slug}" "$base/api/articles/$slug"
run "GET /api/tags" "$base/api/tags"
