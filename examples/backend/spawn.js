// Test helper: starts the demo backend as a child process on a random port.
//
//   const { startBackend } = require('../examples/backend/spawn.js')
//   const backend = await startBackend({ ACCESS_TTL: '4' })
//   backend.url            // 'http://127.0.0.1:<port>'
//   await backend.counters() // { requests, routes: { 'GET /auth/me': n, ... } }
//   await backend.faults({ me: { mode: 'down' } })
//   await backend.mint({ sub: '1', ttl: -10 }) // { token, refresh_token, exp, expires_in }
//   await backend.rotate() // JWT_ALG=RS256|ES256: new signing key and kid
//   await backend.reset()  // counters + faults
//   await backend.stop()
//
// The child exits by itself when this process goes away (its stdin closes), so a crashed test
// run leaves no backend behind.

const { spawn } = require('node:child_process')
const path = require('node:path')

const SERVER = path.join(__dirname, 'server.js')
const live = new Set()
let exitHookInstalled = false

function installExitHook() {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL')
      } catch {}
    }
  })
}

/**
 * @param {Record<string, string|number>} [env] extra environment for the backend (ACCESS_TTL, ...)
 * @param {{ timeoutMs?: number }} [opts]
 */
async function startBackend(env = {}, opts = {}) {
  installExitHook()
  const childEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', EXIT_ON_STDIN_CLOSE: '1' }
  for (const [k, v] of Object.entries(env)) childEnv[k] = String(v)
  const child = spawn(process.execPath, [SERVER], {
    env: childEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  live.add(child)
  let stderr = ''
  child.stderr.on('data', (c) => {
    stderr += c
    if (process.env.DEMO_BACKEND_LOG) process.stderr.write(c)
  })

  const url = await new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`demo backend did not start in time: ${stderr}`))
    }, opts.timeoutMs ?? 15000)
    child.stdout.on('data', (c) => {
      out += c
      const m = /demo-backend listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1])
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      live.delete(child)
      reject(new Error(`demo backend exited early (code ${code}): ${stderr}`))
    })
  })
  child.stdout.resume()
  // Do not keep the test process alive because of the child.
  child.unref()
  child.stdin.unref?.()
  child.stdout.unref?.()
  child.stderr.unref?.()
  child.stdin._handle?.unref?.()
  child.stdout._handle?.unref?.()
  child.stderr._handle?.unref?.()

  const port = Number(new URL(url).port)
  const exited = new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', resolve)
  })

  return {
    url,
    port,
    pid: child.pid,
    child,
    /** Stops the backend (SIGTERM, then SIGKILL after 2 s) and waits for it to exit. */
    async stop() {
      live.delete(child)
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 2000)
      await exited
      clearTimeout(t)
    },
    ...controls(url),
  }
}

/**
 * The test-control routes of a running demo backend at `url` (also used by the e2e helpers for
 * the backend examples/test.sh started): counters, count, reset, faults, mint.
 */
function controls(url) {
  async function call(method, p, body) {
    const res = await fetch(url + p, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const json = await res.json()
    if (!res.ok) throw new Error(`${method} ${p} -> ${res.status}: ${JSON.stringify(json)}`)
    return json
  }

  return {
    /** { requests, routes: { 'METHOD /path': n } }; control routes (/__*) are not counted. */
    async counters() {
      const j = await call('GET', '/__counters')
      return { requests: j.requests, routes: j.routes }
    },
    /** Number of calls to one route, e.g. count('POST /auth/refresh'). */
    async count(routeKey) {
      const c = await this.counters()
      return c.routes[routeKey] || 0
    },
    /** Resets counters, faults and /flaky state (users and tokens stay). */
    async reset() {
      await call('POST', '/__reset', {})
    },
    /** faults({ me?|refresh?|guest?|login?|all?: { latencyMs?, mode?: 'ok'|'down'|'500'|'malformed'|'hang'|'huge'|'<status>' } | null }) */
    async faults(obj) {
      return (await call('POST', '/__faults', obj)).data
    },
    /** mint({ sub?, type?: 'user'|'guest', ttl? }) -> { token, refresh_token, exp, expires_in } */
    async mint(obj = {}) {
      return (await call('POST', '/__token', obj)).data
    },
    /** JWT_ALG=RS256/ES256: a new signing key (new kid); the previous one stays published. */
    async rotate() {
      return (await call('POST', '/__rotate', {})).data
    },
  }
}

module.exports = { startBackend, controls }
