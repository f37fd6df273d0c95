#!/usr/bin/env bash
# Next.js 15.5 compatibility: middleware.ts with `runtime: 'nodejs'` and createAuthProxy.
# Installs the package from its `npm pack` tarball into a copy of this fixture (as a user
# does; a symlinked install breaks Next's bundlers), runs `next build`, serves it with
# `next start` on a random port next to the demo backend (also on a random port) and runs
# the HTTP checks in check.mjs. Then rebuilds it misconfigured (middleware on the Edge runtime,
# the server entry imported into a client component) and checks that both fail with the
# package's clear errors. Needs the release addon built (`npm run build`) first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/nalnative-next15.XXXXXX")"
. "$root/examples/harness.sh"
backend_pid=''
app_pid=''
cleanup() {
  if [ -n "$app_pid" ]; then pkill -P "$app_pid" 2>/dev/null || true; kill "$app_pid" 2>/dev/null || true; fi
  [ -n "$backend_pid" ] && kill "$backend_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "-- next15: pack the package, install the fixture and the tarball"
pack_and_copy "$here"
cd "$work/app"
# `npm install` (not `npm ci`): the lockfile pins the versions, but the registry mirror here lacks
# some other-platform optional packages (@next/swc-darwin-*), which `npm ci` refuses.
npm install --no-save --no-audit --no-fund --loglevel=error "$tgz"

echo "-- next15: the installed bin: npx next-api-layer-native init --dry-run"
init_out="$(npx --no-install next-api-layer-native init --dry-run </dev/null)"
echo "$init_out" | head -3
echo "$init_out" | grep -q "Next.js 15.5.29 (node_modules) -> middleware.ts" || { echo "init did not detect Next 15.5 from node_modules"; exit 1; }
echo "$init_out" | grep -q "skipped    middleware.ts" || { echo "init would have touched the existing middleware.ts"; exit 1; }

echo "-- next15: next build"
NEXT_IGNORE_INCORRECT_LOCKFILE=1 NEXT_TELEMETRY_DISABLED=1 node node_modules/next/dist/bin/next build >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
grep -E "Middleware|ƒ Proxy|Next.js 15" "$work/build.log" || true

echo "-- next15: start the demo backend and next start"
start_backend "$work/backend.log"

app_port="$(free_port)"
API_BASE_URL="$backend_url" NEXT_TELEMETRY_DISABLED=1 node node_modules/next/dist/bin/next start -H 127.0.0.1 -p "$app_port" >"$work/app.log" 2>&1 &
app_pid=$!
app_url="http://127.0.0.1:$app_port"
wait_for_app "$app_url/login" "$app_pid"

echo "-- next15: HTTP checks against $app_url (backend $backend_url)"
if ! APP_URL="$app_url" BACKEND_URL="$backend_url" node "$here/check.mjs"; then
  echo "--- next start log"; cat "$work/app.log"
  exit 1
fi

# The same app misconfigured the two ways users get wrong: middleware left on the Edge runtime,
# and the server entry imported into a client component. Both must fail with the clear error
# (export conditions "edge-light" and "browser" select stubs that throw it), not a cryptic one.
echo "-- next15: misconfigured variant (Edge middleware, server entry in a client component)"
pkill -P "$app_pid" 2>/dev/null || true
kill "$app_pid" 2>/dev/null || true
wait "$app_pid" 2>/dev/null || true
app_pid=''
sed -i "s/^  runtime: 'nodejs',$//" middleware.ts
grep -q "^  runtime: 'nodejs'" middleware.ts && { echo "could not switch middleware.ts to the Edge runtime"; exit 1; }
mkdir -p app/misused
cat >app/misused/page.tsx <<'TSX'
'use client'
import { createApiClient } from 'next-api-layer-native'

export default function Misused() {
  return <p>{typeof createApiClient}</p>
}
TSX
rm -rf .next
NEXT_IGNORE_INCORRECT_LOCKFILE=1 NEXT_TELEMETRY_DISABLED=1 node node_modules/next/dist/bin/next build >"$work/build2.log" 2>&1 || { cat "$work/build2.log"; exit 1; }
API_BASE_URL="$backend_url" NEXT_TELEMETRY_DISABLED=1 node node_modules/next/dist/bin/next start -H 127.0.0.1 -p "$app_port" >"$work/app2.log" 2>&1 &
app_pid=$!
wait_for_app "$app_url/login" "$app_pid"
passed=0
failed=0
verdict() { if [ "$2" = ok ]; then passed=$((passed + 1)); echo "ok - $1"; else failed=$((failed + 1)); echo "not ok - $1"; fi; }
status="$(curl -s -o /dev/null -w '%{http_code}' "$app_url/")"
sleep 0.5
if [ "$status" = 500 ] && grep -q "ERR_EDGE_RUNTIME" "$work/app2.log" && grep -q "runtime: 'nodejs'" "$work/app2.log"; then
  verdict "Edge middleware fails with ERR_EDGE_RUNTIME naming runtime: 'nodejs' (status $status)" ok
else
  verdict "Edge middleware fails with ERR_EDGE_RUNTIME naming runtime: 'nodejs' (status $status)" no
  cat "$work/app2.log"
fi
chunk="$(grep -rl "ERR_CLIENT_BUNDLE" .next/static/chunks/app/misused 2>/dev/null | head -1 || true)"
if [ -n "$chunk" ] && grep -q "next-api-layer-native/client" "$chunk" && ! grep -rq "\.node['\"]" .next/static/chunks; then
  verdict "client bundle gets ERR_CLIENT_BUNDLE pointing at next-api-layer-native/client, no addon" ok
else
  verdict "client bundle gets ERR_CLIENT_BUNDLE pointing at next-api-layer-native/client, no addon" no
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
