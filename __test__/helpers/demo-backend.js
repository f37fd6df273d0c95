// One demo backend process per test file: started before its tests, reset before each (counters,
// faults, sessions), stopped after. The object returned stands for the running backend
// (`backend.url`, `backend.count(...)`, ...) from the moment it has started; `started(b)` and
// `stopping()` run right after the start and before the stop.

const { before, after, beforeEach } = require('node:test')
const { startBackend } = require('../../examples/backend/spawn.js')

function demoBackendPerFile({ env, started, stopping } = {}) {
  let running = null
  before(async () => {
    running = await startBackend(env)
    await started?.(running)
  })
  after(async () => {
    await stopping?.()
    await running?.stop()
  })
  beforeEach(async () => {
    await running.reset()
  })
  return new Proxy(
    {},
    {
      get(_, key) {
        if (running === null)
          throw new Error(`the demo backend is not started yet (${String(key)})`)
        const v = running[key]
        return typeof v === 'function' ? v.bind(running) : v
      },
    },
  )
}

module.exports = { demoBackendPerFile }
