// Several app instances (engine-worker.js child processes) with one config each.

const { fork } = require('node:child_process')
const path = require('node:path')

const WORKER = path.join(__dirname, 'engine-worker.js')

async function startInstances(n, config) {
  const list = []
  for (let i = 0; i < n; i++) {
    const child = fork(WORKER, [], {
      env: { ...process.env, ENGINE_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    })
    let stderr = ''
    child.stderr.on('data', (c) => {
      stderr += c
    })
    const pending = new Map()
    let next = 0
    await new Promise((resolve, reject) => {
      child.once('error', reject)
      child.once('exit', (code) => reject(new Error(`instance exited (${code}): ${stderr}`)))
      child.on('message', (m) => {
        if (m.ready) return resolve()
        const p = pending.get(m.id)
        if (!p) return
        pending.delete(m.id)
        m.error ? p.reject(new Error(m.error)) : p.resolve(m)
      })
    })
    const call = (msg) =>
      new Promise((resolve, reject) => {
        const id = next++
        pending.set(id, { resolve, reject })
        child.send({ ...msg, id })
      })
    list.push({
      child,
      log: () => stderr,
      decide: (facts) => call({ op: 'decide', facts }),
      stats: async () => (await call({ op: 'stats' })).stats,
      revoke: (token) => call({ op: 'revoke', token }),
      stop: () => {
        child.disconnect?.()
        try {
          process.kill(child.pid, 'SIGKILL')
        } catch {}
      },
    })
  }
  return list
}

module.exports = { startInstances }
