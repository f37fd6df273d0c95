#!/usr/bin/env bash
# The README's test command (`npm test`): Rust unit and integration tests, the
# release addon, the JS API tests against the demo backend, then the example
# app under `next build` / `next start` checked over HTTP and in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

# Set-up on a fresh machine: npm packages, and Debian's Chromium for the browser tests.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm install"
  npm install --no-audit --no-fund --loglevel=error
fi
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== apt-get install chromium (browser e2e)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Chromium at /usr/bin/chromium (Debian: apt-get install chromium)." >&2
    exit 1
  fi
fi

# A real redis-server for the shared-store tests (several instances on one Redis).
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== apt-get install redis-server (shared-store tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "The shared-store tests need redis-server (Debian: apt-get install redis-server)." >&2
    exit 1
  fi
fi

echo "== cargo test"
cargo test --quiet

echo "== build the addon (release)"
npm run build

echo "== framework example backends (Django + simplejwt in a venv, Express): install what is missing"
bash examples/backends/setup.sh

# The rest runs as two pairs of independent stages, each pair side by side: one stage of each pair
# mostly waits (on backends, timers, a browser), the other builds a Next.js app, so the 2 cores of
# a CI machine stay busy. Each stage writes its own log, shown whole when its pair is done.
logs="$(mktemp -d "${TMPDIR:-/tmp}/nalnative-test.XXXXXX")"
trap 'rm -rf "$logs"' EXIT
# side_by_side NAME1 CMD1 NAME2 CMD2: runs both, prints both logs, fails if either failed.
side_by_side() {
  local n1="$1" c1="$2" n2="$3" c2="$4" t0 p1 p2 r1=0 r2=0
  t0=$(date +%s)
  echo "== $n1  ||  $n2"
  bash -c "$c1" >"$logs/1.log" 2>&1 &
  p1=$!
  bash -c "$c2" >"$logs/2.log" 2>&1 &
  p2=$!
  wait "$p1" || r1=$?
  wait "$p2" || r2=$?
  echo "== $n1 (exit $r1)"; cat "$logs/1.log"
  echo "== $n2 (exit $r2)"; cat "$logs/2.log"
  echo "-- pair took $(($(date +%s) - t0)) s"
  [ "$r1" -eq 0 ] && [ "$r2" -eq 0 ]
}

side_by_side \
  "JS API tests (node --test; backends-*.test.js run the README recipes against those backends), then the bench smoke" \
  "node --test --test-concurrency=1 __test__/ && node bench/run.mjs --smoke" \
  "example app: next build / next start, HTTP checks and browser e2e" \
  "bash examples/test.sh"

side_by_side \
  "create-next-app app (committed copy of today's defaults): the README quick start, built, served, in Chromium; misuses under next dev" \
  "bash examples/create-next-app/test.sh" \
  "Next.js 15.5 fixture: middleware.ts (runtime nodejs) from the npm pack tarball, over HTTP" \
  "bash examples/next15-app/test.sh"
