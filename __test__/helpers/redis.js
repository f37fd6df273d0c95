// Test helper: a real redis-server (Debian package `redis-server`) on a free port of
// 127.0.0.1, without persistence, stopped by PID. `kill()` simulates a crash (SIGKILL) and
// `start()` brings it back on the same port.

const { spawn, spawnSync } = require('node:child_process')
const net = require('node:net')
const { freePort } = require('../../examples/backends/spawn.js')

function redisServerPath() {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' })
  const p = r.stdout.trim()
  if (!p) {
    throw new Error(
      'redis-server is not installed (apt-get install -y redis-server; .ci/run installs it)',
    )
  }
  return p
}

function ping(port) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1')
    let out = ''
    sock.setTimeout(500)
    sock.on('connect', () => sock.write('PING\r\n'))
    sock.on('data', (c) => {
      out += c
      if (out.includes('\r\n')) {
        sock.destroy()
        resolve(out.startsWith('+PONG'))
      }
    })
    sock.on('error', () => resolve(false))
    sock.on('timeout', () => {
      sock.destroy()
      resolve(false)
    })
  })
}

async function startRedis() {
  const bin = redisServerPath()
  const port = await freePort()
  let child
  const server = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid
    },
    async start() {
      child = spawn(
        bin,
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      )
      child.unref()
      const until = Date.now() + 10000
      while (Date.now() < until) {
        if (await ping(port)) return
        await new Promise((r) => setTimeout(r, 25))
      }
      throw new Error(`redis-server did not start on port ${port}`)
    },
    /** Crash: SIGKILL by PID, wait until the port is closed. */
    async kill() {
      if (!child) return
      const c = child
      child = undefined
      const gone = new Promise((r) => c.once('exit', r))
      process.kill(c.pid, 'SIGKILL')
      try {
        process.kill(c.pid, 'SIGCONT')
      } catch {}
      // The child is unref'd: hold the event loop until its exit arrives, or a caller whose
      // last work is this stop leaves with the await unsettled.
      const hold = setTimeout(() => {}, 10000)
      await gone
      clearTimeout(hold)
    },
    /** Slow rather than dead: the process stops answering (SIGSTOP) until `resume()`. */
    freeze() {
      process.kill(child.pid, 'SIGSTOP')
    },
    resume() {
      process.kill(child.pid, 'SIGCONT')
    },
    async stop() {
      await server.kill()
    },
  }
  process.on('exit', () => {
    if (child) {
      try {
        process.kill(child.pid, 'SIGKILL')
      } catch {}
    }
  })
  await server.start()
  return server
}

module.exports = { startRedis, freePort }
