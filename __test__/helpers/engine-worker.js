// One app instance for the multi-instance tests: a separate process with its own native
// engine (its own cache, single-flight and rate limiter), driven over IPC by the test.
//
//   { id, op: 'decide', facts }  -> { id, decision, ms }  (sync first, async if pending)
//   { id, op: 'stats' }          -> { id, stats }
//   { id, op: 'revoke', token }  -> { id }

const { getEngine } = require('../../js/shared/engine')

const engine = getEngine(JSON.parse(process.env.ENGINE_CONFIG))

async function decide(facts) {
  const d = engine.decide(facts)
  return d.kind === 'pending' ? await engine.decideAsync(facts) : d
}

process.on('message', async (m) => {
  try {
    if (m.op === 'decide') {
      const t0 = performance.now()
      const decision = await decide(m.facts)
      process.send({ id: m.id, decision, ms: performance.now() - t0 })
    } else if (m.op === 'stats') {
      process.send({ id: m.id, stats: engine.stats() })
    } else if (m.op === 'revoke') {
      engine.revokeToken(m.token)
      process.send({ id: m.id })
    }
  } catch (err) {
    process.send({ id: m.id, error: String(err?.stack || err) })
  }
})
process.on('disconnect', () => process.exit(0))
process.send({ ready: true })
