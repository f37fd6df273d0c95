// One rate-limiter contender in a fresh process (so memory figures are its own):
//   node --expose-gc ratelimit-worker.mjs <variant> <hotCalls> <floodKeys>
// Prints one JSON line: { hotPerSec, floodPerSec, rssMb, heapMb, keys, limited }.
import { native, packedStatus, packFacts, facts as pageFacts, require } from '../lib/common.mjs'

const [variant, hotArg, floodArg] = process.argv.slice(2)
const hotCalls = Number(hotArg)
const floodKeys = Number(floodArg)
const WINDOW_MS = 60000
const MAX = 1000

function gc() {
  globalThis.gc?.()
  globalThis.gc?.()
}

async function makeCheck() {
  if (variant === 'ours' || variant === 'ours-off') {
    const nat = native()
    const cfg = { apiBaseUrl: 'http://127.0.0.1:9' }
    if (variant === 'ours') cfg.rateLimit = { windowMs: WINDOW_MS, maxRequests: MAX }
    const engine = new nat.Engine(JSON.stringify(cfg))
    const f = { ...pageFacts(undefined, '/'), cookie: undefined }
    const probe = engine.decidePacked(packFacts({ ...f, ip: '10.0.0.1' }))
    // 'n': a bare next (nothing to carry); with the limiter's headers it is spelt out.
    if (probe !== 'n' && !probe.startsWith('next\n')) throw new Error(`rate limit probe: ${probe}`)
    if (variant === 'ours' && !/ratelimit/i.test(probe)) {
      throw new Error('rate limit probe: no RateLimit headers, the limiter is not active')
    }
    return {
      sync: true,
      // As the adapter does it: pack the facts, one native call, read the status.
      check: (key) => {
        f.ip = key
        return packedStatus(engine.decidePacked(packFacts(f))) !== 429
      },
      keys: () => engine.stats().rateLimitKeys,
    }
  }
  if (variant === 'flexible') {
    const { RateLimiterMemory } = require('rate-limiter-flexible')
    const rl = new RateLimiterMemory({ points: MAX, duration: WINDOW_MS / 1000 })
    return {
      sync: false,
      check: (key) =>
        rl.consume(key).then(
          () => true,
          (e) => {
            if (e instanceof Error) throw e
            return false
          },
        ),
      keys: () => undefined,
    }
  }
  if (variant === 'map') {
    const m = new Map()
    return {
      sync: true,
      check: (key) => {
        const now = Date.now()
        let e = m.get(key)
        if (!e || e.reset <= now) {
          e = { count: 0, reset: now + WINDOW_MS }
          m.set(key, e)
        }
        return ++e.count <= MAX
      },
      keys: () => m.size,
    }
  }
  throw new Error(`unknown variant ${variant}`)
}

const c = await makeCheck()
let limited = 0
async function phase(n, keyOf) {
  const t0 = process.hrtime.bigint()
  if (c.sync) {
    for (let i = 0; i < n; i++) if (!c.check(keyOf(i))) limited++
  } else {
    for (let i = 0; i < n; i++) if (!(await c.check(keyOf(i)))) limited++
  }
  return n / (Number(process.hrtime.bigint() - t0) / 1e9)
}

// Hot keys: 1000 clients, each under its limit (the common case).
const hotPerSec = await phase(hotCalls, (i) => {
  const k = i % 1000
  return `10.1.${k >> 8}.${k & 255}`
})
gc()
const m0 = process.memoryUsage()
// Flood: every call a new key (a spoofing attacker, or a botnet).
const floodPerSec = await phase(floodKeys, (i) => `f${i}`)
gc()
const m1 = process.memoryUsage()
process.stdout.write(
  `${JSON.stringify({
    hotPerSec,
    floodPerSec,
    rssMb: (m1.rss - m0.rss) / 2 ** 20,
    heapMb: (m1.heapUsed - m0.heapUsed) / 2 ** 20,
    keys: c.keys(),
    limited,
  })}\n`,
)
process.exit(0)
