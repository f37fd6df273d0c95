# Set-up shared by examples/test.sh and examples/next15-app/test.sh (sourced, not run).
# The caller sets `root` (the package) and `work` (its temporary directory) first.

# pack_and_copy APP_DIR: `npm pack` the package into $work (sets `tgz`) and copy the app in
# APP_DIR to $work/app without its installs and build output, as a user's project would be:
# the package is then installed from the tarball (a symlinked install breaks Next's bundlers).
pack_and_copy() {
  (cd "$root" && npm pack --ignore-scripts --pack-destination "$work" --loglevel=error >/dev/null)
  tgz="$(ls "$work"/next-api-layer-native-*.tgz)"
  mkdir -p "$work/app"
  (cd "$1" && tar cf - --exclude=node_modules --exclude=.next --exclude=next-env.d.ts \
    --exclude='*.tsbuildinfo' .) | (cd "$work/app" && tar xf -)
}

# start_backend LOG [WRAPPER...]: starts the demo backend on 127.0.0.1 and a random port, its
# output in LOG (WRAPPER, e.g. setsid, runs node; env such as ACCESS_TTL=6 may prefix the call),
# and waits for its one line; sets `backend_pid` and `backend_url`.
start_backend() {
  local log="$1"
  shift
  PORT=0 HOST=127.0.0.1 "$@" node "$root/examples/backend/server.js" >"$log" 2>&1 </dev/null &
  backend_pid=$!
  backend_url=''
  for _ in $(seq 1 150); do
    backend_url="$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | head -1 || true)"
    [ -n "$backend_url" ] && return 0
    sleep 0.1
  done
  cat "$log"
  echo "demo backend did not start"
  return 1
}

# free_port: a TCP port that was free on 127.0.0.1 a moment ago.
free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# wait_for_app URL PID: waits until URL answers (any status) while PID lives; fails otherwise.
wait_for_app() {
  for _ in $(seq 1 300); do
    if curl -s -o /dev/null --max-time 2 "$1"; then return 0; fi
    kill -0 "$2" 2>/dev/null || break
    sleep 0.2
  done
  echo "next start did not come up at $1"
  return 1
}

# check_server_log LOG: fails when next start reported a route while serving the tests. Next.js
# prints its render diagnostics as `Error: Route "/x": ...` (sync IO such as Date.now() or
# crypto.randomUUID() while prerendering, request data outside <Suspense>, uncached data): the
# page still answers, so only the server log shows that the library made a route misbehave.
check_server_log() {
  if grep -q '^Error: Route "' "$1"; then
    echo "next start reported routes while the tests ran:"
    grep -A3 '^Error: Route "' "$1" | head -n 40
    return 1
  fi
}
