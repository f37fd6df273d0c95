// Test helper: starts a framework example backend (examples/backends/<name>) as a child process
// on 127.0.0.1 and a free port, with its test controls on.
//
//   const b = await startFrameworkBackend('django')   // or 'express'
//   b.apiBaseUrl            // what the recipe's apiBaseUrl is: http://127.0.0.1:<port>/api (django)
//   await b.counters()      // { login, refresh, me, guest, logout }
//   await b.resetCounters()
//   await b.expiredAccess('ada')  // an access token of that user that expired a minute ago
//   await b.stop(); await b.start()  // down and back, same port (and, for Django, same database)
//
// `examples/backends/setup.sh` installs what they need first. A child exits with the test process
// (Express: its stdin closes; gunicorn: killed on exit).

const { spawn, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

const live = new Set()
process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL')
    } catch {}
  }
})

/** A TCP port that was free on 127.0.0.1 a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

const BACKENDS = {
  django: {
    prefix: '/api',
    controls: { counters: 'test/counters/', expired: 'test/expired-access/' },
    expiredBody: (who) => ({ username: who }),
    prepare(state) {
      const dir = path.join(__dirname, 'django')
      const python = path.join(dir, '.venv', 'bin', 'python')
      if (!fs.existsSync(python)) {
        throw new Error('examples/backends/django/.venv is missing: run examples/backends/setup.sh')
      }
      state.db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'django-backend-')), 'db.sqlite3')
      state.env = { DJANGO_DB: state.db, BACKEND_TEST_CONTROLS: '1', PYTHONDONTWRITEBYTECODE: '1' }
      execFileSync(python, [path.join(dir, 'backend.py'), 'migrate'], {
        env: { ...process.env, ...state.env },
        stdio: ['ignore', 'ignore', 'pipe'],
      })
    },
    command(_state, port) {
      const dir = path.join(__dirname, 'django')
      return [
        path.join(dir, '.venv', 'bin', 'gunicorn'),
        // one process (the test counters live in it), threads for the storm and the SSE stream
        ['--chdir', dir, '--bind', `127.0.0.1:${port}`, '--workers', '1', '--threads', '16'],
        ['--graceful-timeout', '1', '--log-level', 'warning', 'backend:application'],
      ]
    },
    cleanup(state) {
      fs.rmSync(path.dirname(state.db), { recursive: true, force: true })
    },
  },
  express: {
    prefix: '',
    controls: { counters: 'test/counters', expired: 'test/expired-access' },
    expiredBody: (who) => ({ email: who }),
    prepare(state) {
      if (!fs.existsSync(path.join(__dirname, 'express', 'node_modules', 'express'))) {
        throw new Error('examples/backends/express/node_modules is missing: run setup.sh')
      }
      state.env = { BACKEND_TEST_CONTROLS: '1', EXIT_ON_STDIN_CLOSE: '1' }
    },
    command(_state, port) {
      return [
        process.execPath,
        [path.join(__dirname, 'express', 'server.js')],
        [],
        { PORT: String(port), HOST: '127.0.0.1' },
      ]
    },
    cleanup() {},
  },
}

/** Polls until the backend answers HTTP at all (any status). */
async function waitUp(url, child, stderr, timeoutMs) {
  const until = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`backend exited early: ${stderr()}`)
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) })
      return
    } catch {}
    if (Date.now() > until) throw new Error(`backend did not start in time: ${stderr()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function startFrameworkBackend(name, { timeoutMs = 30000 } = {}) {
  const spec = BACKENDS[name]
  if (!spec) throw new Error(`unknown backend ${name}`)
  const state = {}
  spec.prepare(state)
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const apiBaseUrl = origin + spec.prefix
  let child = null
  let exited = null

  async function start() {
    const [cmd, args, more, env] = spec.command(state, port)
    child = spawn(cmd, [...args, ...more], {
      env: { ...process.env, ...state.env, ...env },
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    live.add(child)
    let err = ''
    child.stderr.on('data', (c) => {
      err += c
      if (process.env.BACKEND_LOG) process.stderr.write(c)
    })
    const c = child
    exited = new Promise((resolve) => c.once('exit', resolve))
    for (const s of [child.stdin, child.stderr]) s._handle?.unref?.()
    child.unref()
    await waitUp(`${origin}/`, child, () => err, timeoutMs)
  }

  async function stop() {
    if (!child) return
    live.delete(child)
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(t)
    }
    child = null
  }

  async function control(method, p, body) {
    const res = await fetch(`${apiBaseUrl}/${p}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    })
    if (!res.ok) throw new Error(`${method} ${p} -> ${res.status}`)
    return res.json()
  }

  await start()
  return {
    name,
    origin,
    apiBaseUrl,
    port,
    start,
    stop,
    get pid() {
      return child?.pid
    },
    counters: () => control('GET', spec.controls.counters),
    resetCounters: () => control('DELETE', spec.controls.counters),
    async expiredAccess(who) {
      const json = await control('POST', spec.controls.expired, spec.expiredBody(who))
      return json.access ?? json.token
    },
    /** Stops the backend and removes its database. */
    async close() {
      await stop()
      spec.cleanup(state)
    },
  }
}

module.exports = { startFrameworkBackend, freePort }
