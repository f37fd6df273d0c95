// One "many users" cell in a fresh process (so its memory figure is its own):
//   node --expose-gc users-worker.mjs '<json: { url, users, requests, cache, seed, validate? }>'
// Prints one JSON line: { hitRate, rssMb, heapMb, reqPerSec, seconds, bad }. `validate`: the
// engine's validate option (local JWT verification, bench/parts/local.mjs).
import {
  authConfig,
  facts,
  mintLocal,
  native,
  packedHasUser,
  packedKind,
  packFacts,
  pool,
} from '../lib/common.mjs'

const { url, users, requests, cache, seed, validate } = JSON.parse(process.argv[2])

function gc() {
  globalThis.gc?.()
  globalThis.gc?.()
}

function rng(s0) {
  let s = s0 >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** Zipf(s) sampler over ranks 0..n-1. */
function zipf(n, s, sd) {
  const cdf = new Float64Array(n)
  let sum = 0
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** s
    cdf[i] = sum
  }
  const r = rng(sd)
  return () => {
    const u = r() * sum
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid] < u) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

// Tokens and their packed facts exist before the measurement starts.
const packed = Array.from({ length: users }, (_, i) =>
  packFacts(facts(mintLocal({ sub: i % 2 ? '1' : '2' }))),
)
const sample = zipf(users, 1.0, seed)
const engine = new (native().Engine)(
  JSON.stringify(authConfig(url, validate ? { cache, validate } : { cache })),
)
gc()
const m0 = process.memoryUsage()
let bad = 0
const t0 = Date.now()
await pool(requests, 64, async () => {
  const f = packed[sample()]
  let d = engine.decidePacked(f)
  if (packedKind(d) === 'pending') d = await engine.decideAsyncPacked(f)
  if (packedKind(d) !== 'next' || !packedHasUser(d)) bad++
})
const secs = (Date.now() - t0) / 1000
gc()
const m1 = process.memoryUsage()
const st = engine.stats()
process.stdout.write(
  `${JSON.stringify({
    hitRate: st.cacheHits / (st.cacheHits + st.cacheMisses),
    rssMb: (m1.rss - m0.rss) / 2 ** 20,
    heapMb: (m1.heapUsed - m0.heapUsed) / 2 ** 20,
    reqPerSec: requests / secs,
    seconds: secs,
    bad,
  })}\n`,
)
process.exit(0)
