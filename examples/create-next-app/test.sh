#!/usr/bin/env bash
# The README's quick start on the app create-next-app makes today (the committed copy in
# default/, refreshed by refresh.sh): npm install the packed tarball, `npx next-api-layer-native
# init`, the login and dashboard pages a user writes (pages/), API_BASE_URL in .env.local, then
# next build (Turbopack, Cache Components, partialPrefetching: the defaults) and next start,
# driven in Chromium (e2e.test.mjs). Then Turbopack `next dev` twice: with Cache Components off
# and two misuses (misuse/: server entry in a client component, an Edge route), and without
# serverExternalPackages; each must fail with the package's message naming the fix.
# Needs the release addon built (`npm run build`) first. Servers on 127.0.0.1, stopped by PID.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/nalnative-cna.XXXXXX")"
. "$root/examples/harness.sh"
backend_pid=''
app_pid=''
stop_app() {
  if [ -n "$app_pid" ]; then kill -TERM -- "-$app_pid" 2>/dev/null || kill "$app_pid" 2>/dev/null || true; fi
  [ -n "$app_pid" ] && wait "$app_pid" 2>/dev/null || true
  app_pid=''
}
cleanup() {
  local code=$?
  stop_app
  if [ -n "$backend_pid" ]; then kill -TERM -- "-$backend_pid" 2>/dev/null || kill "$backend_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  if [ "$code" -ne 0 ]; then
    for f in build.log app.log dev.log dev2.log; do
      [ -f "$work/$f" ] && { echo "--- $f (tail)"; tail -n 40 "$work/$f"; }
    done
  fi
  if [ "${E2E_KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# `serve start|dev LOG PATH`: next on $app_port in a process group of its own (stop_app ends
# it), once PATH answers.
serve() {
  setsid node node_modules/next/dist/bin/next "$1" -H 127.0.0.1 -p "$app_port" >"$work/$2" 2>&1 </dev/null &
  app_pid=$!
  wait_for_app "http://127.0.0.1:$app_port$3" "$app_pid"
}
export NEXT_TELEMETRY_DISABLED=1
# create-next-app's layout loads Google Fonts; the mock answers without network.
export NEXT_FONT_GOOGLE_MOCKED_RESPONSES="$here/google-fonts-mock.cjs"

echo "-- create-next-app $(cat "$here/VERSION"): npm install, then the quick start"
pack_and_copy "$here/default"
cd "$work/app"
npm install --no-audit --no-fund --loglevel=error >/dev/null
# README quick start: npm install next-api-layer-native && npx next-api-layer-native init
npm install --no-audit --no-fund --loglevel=error "$tgz" >/dev/null
npx --no-install next-api-layer-native init </dev/null | tee "$work/init.log"
grep -q "updated    app/layout.tsx" "$work/init.log" || { echo "init did not put <Session> into app/layout.tsx"; exit 1; }
grep -q "^CSRF_SECRET=." .env.local || { echo "init wrote no CSRF_SECRET into .env.local"; exit 1; }
(cd "$here/pages" && tar cf - .) | tar xf -

ACCESS_TTL=60 start_backend "$work/backend.log" setsid
{
  echo "API_BASE_URL=$backend_url"
  echo "GUEST_USERNAME=guest"
  echo "GUEST_PASSWORD=guest-secret"
} >>.env.local

echo "-- create-next-app: next build (Turbopack, Cache Components)"
node node_modules/next/dist/bin/next build >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
grep -q "Cache Components enabled" "$work/build.log" || { echo "Cache Components were not on"; exit 1; }
grep -E "Route \(app\)|^[├└┌] " "$work/build.log" || true

app_port="$(free_port)"
serve start app.log /login
APP_URL="http://127.0.0.1:$app_port" BACKEND_URL="$backend_url" APP_DIR="$work/app" \
  node --test --test-concurrency=1 "$here/e2e.test.mjs"
stop_app
check_server_log "$work/app.log"

echo "-- create-next-app: next dev (Turbopack, Cache Components off), two misuses"
(cd "$here/misuse" && tar cf - .) | tar xf -
sed -i '/^  cacheComponents: true,$/d; /^  partialPrefetching: true,$/d' next.config.ts
grep -q "cacheComponents" next.config.ts && { echo "could not switch Cache Components off"; exit 1; }
rm -rf .next
serve dev dev.log /login
APP_URL="http://127.0.0.1:$app_port" BACKEND_URL="$backend_url" DEV_LOG="$work/dev.log" \
  node --test --test-concurrency=1 "$here/misuse.test.mjs"
stop_app

echo "-- create-next-app: next dev without serverExternalPackages"
rm -rf app/misused app/edge .next
sed -i "/serverExternalPackages: \['next-api-layer-native'\],/d" next.config.ts
grep -q "serverExternalPackages" next.config.ts && { echo "could not remove serverExternalPackages"; exit 1; }
serve dev dev2.log /
status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 180 "http://127.0.0.1:$app_port/" || true)"
for _ in $(seq 1 50); do grep -q "ERR_BUNDLED" "$work/dev2.log" && break; sleep 0.1; done
if [ "$status" = 500 ] && grep -q "was bundled by Turbopack instead of loaded by Node.js" "$work/dev2.log" &&
  grep -q "add 'next-api-layer-native' to serverExternalPackages in next.config" "$work/dev2.log"; then
  echo "ok - bundled (no serverExternalPackages): ERR_BUNDLED names serverExternalPackages (status $status)"
else
  echo "not ok - bundled (no serverExternalPackages): status $status"
  exit 1
fi
