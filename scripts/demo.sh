#!/usr/bin/env bash
# `npm run demo`: on a fresh machine, installs what the demo needs (npm install, the release addon,
# the packed package installed into examples/nextjs-app as a user installs it, next build), then
# starts the demo JWT backend on 127.0.0.1:4000 and the example app on 127.0.0.1:3000.
# Ctrl-C stops both. Env: DEMO_APP_PORT (3000), DEMO_BACKEND_PORT (4000), DEMO_ACCESS_TTL
# (backend access-token lifetime in seconds, 900; try 20 to watch transparent refreshes).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
app_dir="$root/examples/nextjs-app"
app_port="${DEMO_APP_PORT:-3000}"
backend_port="${DEMO_BACKEND_PORT:-4000}"
backend_url="http://127.0.0.1:$backend_port"
app_url="http://127.0.0.1:$app_port"
work="$(mktemp -d "${TMPDIR:-/tmp}/nalnative-demo.XXXXXX")"
backend_pid=''
app_pid=''
tail_pid=''

stop() {
  if [ -n "$tail_pid" ]; then kill "$tail_pid" 2>/dev/null || true; fi
  if [ -n "$app_pid" ]; then kill -TERM -- "-$app_pid" 2>/dev/null || kill "$app_pid" 2>/dev/null || true; fi
  if [ -n "$backend_pid" ]; then kill -TERM -- "-$backend_pid" 2>/dev/null || kill "$backend_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT
trap 'echo; echo "stopping the demo"; exit 0' INT TERM

port_busy() {
  node -e "const s=require('net').createServer();s.once('error',()=>process.exit(0));s.listen($1,'127.0.0.1',()=>s.close(()=>process.exit(1)))"
}
for p in "$app_port" "$backend_port"; do
  if port_busy "$p"; then
    echo "port $p on 127.0.0.1 is already in use (set DEMO_APP_PORT / DEMO_BACKEND_PORT)" >&2
    exit 1
  fi
done

cd "$root"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm install (the lockfile pins versions; see .ci/run for why not npm ci)"
  npm install --no-audit --no-fund --loglevel=error
fi

echo "== build the native addon (release; a cold build takes a couple of minutes)"
npm run build --silent

echo "== pack the package and install it into the example app"
npm pack --ignore-scripts --pack-destination "$work" --loglevel=error >/dev/null
tgz="$(ls "$work"/next-api-layer-native-*.tgz)"
cd "$app_dir"
npm install --no-audit --no-fund --loglevel=error
npm install --no-save --no-audit --no-fund --loglevel=error "$tgz"

echo "== next build"
export NEXT_TELEMETRY_DISABLED=1
# The CSRF double-submit tokens are signed with this (required in production).
export CSRF_SECRET="${CSRF_SECRET:-$(node -e "process.stdout.write(require('crypto').randomBytes(32).toString('hex'))")}"
API_BASE_URL="$backend_url" node node_modules/next/dist/bin/next build

echo "== start the demo backend and the app"
PORT="$backend_port" HOST=127.0.0.1 ACCESS_TTL="${DEMO_ACCESS_TTL:-900}" \
  setsid node "$root/examples/backend/server.js" </dev/null &
backend_pid=$!
API_BASE_URL="$backend_url" setsid node node_modules/next/dist/bin/next start -H 127.0.0.1 -p "$app_port" \
  </dev/null >"$work/app.log" 2>&1 &
app_pid=$!
for _ in $(seq 1 300); do
  curl -s -o /dev/null --max-time 2 "$app_url/login" && break
  kill -0 "$app_pid" 2>/dev/null || { cat "$work/app.log"; exit 1; }
  sleep 0.2
done

cat <<EOF

  next-api-layer-native demo is running
    app      $app_url
    backend  $backend_url   (demo JWT backend)

  log in with  demo@example.com / password   (admin)
          or   jane@example.com / password
  try: $app_url/dashboard (redirects to login), /posts (XSS payloads, sanitized),
       /cart (guest cart), /events (server-sent events), /fr/dashboard

  Ctrl-C stops both.
EOF
tail -f "$work/app.log" &
tail_pid=$!
wait "$app_pid"
