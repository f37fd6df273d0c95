#!/usr/bin/env bash
# The example app end to end (called by `npm test` once the release addon is built):
#   npm pack -> install the tarball into a copy of examples/nextjs-app, as a user does (a symlinked
#   install breaks Turbopack and webpack) -> start the demo backend (random port, short ACCESS_TTL)
#   -> next build -> next start on a random free port -> HTTP checks and browser e2e in
#   examples/e2e/ (node --test) with APP_URL, BACKEND_URL, APP_DIR and APP_PID exported. The app
#   is built with Cache Components on (next.config.ts); then again with CACHE_COMPONENTS=0 into
#   .next-off, served and checked over HTTP (examples/e2e-cache-off/).
# Both servers listen on 127.0.0.1 and are always stopped (by PID) on exit.
# Env: E2E_ACCESS_TTL (default 6 s), E2E_KEEP=1 keeps the work dir, E2E_ONLY=<file> runs one test file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/nalnative-e2e.XXXXXX")"
. "$here/harness.sh"
backend_pid=''
app_pid=''
cleanup() {
  local code=$?
  # Each server runs in its own process group (setsid): stop the group, by its leader's PID.
  if [ -n "$app_pid" ]; then kill -TERM -- "-$app_pid" 2>/dev/null || kill "$app_pid" 2>/dev/null || true; fi
  if [ -n "$backend_pid" ]; then kill -TERM -- "-$backend_pid" 2>/dev/null || kill "$backend_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  if [ "$code" -ne 0 ]; then
    echo "--- next start log (tail)"; tail -n 60 "$work/app.log" 2>/dev/null || true
    echo "--- backend log (tail)"; tail -n 20 "$work/backend.log" 2>/dev/null || true
  fi
  if [ "${E2E_KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$(date +%s)
echo "-- e2e: npm pack, install the example app and the tarball"
pack_and_copy "$here/nextjs-app"
cd "$work/app"
# `npm install` with the committed lockfile rather than `npm ci`: `npm ci` insists on every
# other-platform optional package (@next/swc-*) being fetchable, which is not true everywhere.
npm install --no-audit --no-fund --loglevel=error >/dev/null
npm install --no-save --no-audit --no-fund --loglevel=error "$tgz" >/dev/null

echo "-- e2e: start the demo backend"
ACCESS_TTL="${E2E_ACCESS_TTL:-6}" start_backend "$work/backend.log" setsid

echo "-- e2e: next build"
export NEXT_TELEMETRY_DISABLED=1
# The CSRF double-submit tokens are signed with this (required in production).
export CSRF_SECRET="${CSRF_SECRET:-$(node -e "process.stdout.write(require('crypto').randomBytes(32).toString('hex'))")}"
if ! API_BASE_URL="$backend_url" node node_modules/next/dist/bin/next build >"$work/build.log" 2>&1; then
  cat "$work/build.log"
  exit 1
fi
grep -E "Proxy|Route \(app\)" "$work/build.log" || true

echo "-- e2e: next start"
app_port="$(free_port)"
API_BASE_URL="$backend_url" setsid node node_modules/next/dist/bin/next start -H 127.0.0.1 -p "$app_port" \
  >"$work/app.log" 2>&1 </dev/null &
app_pid=$!
app_url="http://127.0.0.1:$app_port"
wait_for_app "$app_url/login" "$app_pid"
echo "-- e2e: app $app_url, backend $backend_url (setup $(($(date +%s) - t0)) s)"

t1=$(date +%s)
cd "$root"
targets=("$here/e2e/")
[ -n "${E2E_ONLY:-}" ] && targets=("$E2E_ONLY")
APP_URL="$app_url" BACKEND_URL="$backend_url" APP_DIR="$work/app" APP_PID="$app_pid" \
  node --test --test-concurrency=1 "${targets[@]}"
echo "-- e2e: tests took $(($(date +%s) - t1)) s"
check_server_log "$work/app.log"
[ -n "${E2E_ONLY:-}" ] && exit 0

# The same app with Cache Components (and partialPrefetching) off: built into its own dist dir
# and served, with a few HTTP checks (the full e2e above runs on the Cache Components build).
echo "-- e2e: Cache Components off: next build, next start, HTTP checks"
kill -TERM -- "-$app_pid" 2>/dev/null || kill "$app_pid" 2>/dev/null || true
wait "$app_pid" 2>/dev/null || true
app_pid=''
cd "$work/app"
export CACHE_COMPONENTS=0 NEXT_DIST_DIR=.next-off
if ! API_BASE_URL="$backend_url" node node_modules/next/dist/bin/next build >"$work/build-off.log" 2>&1; then
  cat "$work/build-off.log"
  exit 1
fi
if grep -q "Cache Components enabled" "$work/build-off.log"; then
  echo "CACHE_COMPONENTS=0 still built with Cache Components"
  exit 1
fi
API_BASE_URL="$backend_url" setsid node node_modules/next/dist/bin/next start -H 127.0.0.1 -p "$app_port" \
  >"$work/app.log" 2>&1 </dev/null &
app_pid=$!
wait_for_app "$app_url/login" "$app_pid"
cd "$root"
APP_URL="$app_url" BACKEND_URL="$backend_url" APP_DIR="$work/app" \
  node --test --test-concurrency=1 "$here/e2e-cache-off/"
check_server_log "$work/app.log"
