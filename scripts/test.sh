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

echo "== JS API tests (node --test; backends-*.test.js run the README recipes against those backends)"
node --test --test-concurrency=1 __test__/

echo "== bench smoke (in-process parts, tiny sizes, no figures judged)"; node bench/run.mjs --smoke

if [ -f examples/test.sh ]; then
  echo "== example app: next build / next start, HTTP checks and browser e2e"
  bash examples/test.sh
fi

echo "== create-next-app app (committed copy of today's defaults): the README quick start, built, served, in Chromium; misuses under next dev"
bash examples/create-next-app/test.sh

echo "== Next.js 15.5 fixture: middleware.ts (runtime nodejs) from the npm pack tarball, over HTTP"
bash examples/next15-app/test.sh
