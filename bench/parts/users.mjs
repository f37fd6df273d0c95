// Many users: Zipf-distributed traffic over 1k / 10k / 100k distinct valid tokens through the
// native engine (one decide per request, decideAsync on a miss): cache hit rate, backend
// validate calls, memory. The seed-style proxy (d) calls the backend on every request.
import {
  authConfig,
  facts,
  mintLocal,
  native,
  packedHasUser,
  packedKind,
  packFacts,
  pool,
  rssMb,
  startBackend,
} from '../lib/common.mjs'
import { fmt, gc, summarize } from '../lib/stats.mjs'
import { lineChart } from '../lib/svg.mjs'

export const title = 'Many users: Zipf traffic over distinct tokens'

function rng(seed) {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** Zipf(s) sampler over ranks 0..n-1. */
function zipf(n, s, seed) {
  const cdf = new Float64Array(n)
  let sum = 0
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** s
    cdf[i] = sum
  }
  const r = rng(seed)
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

const CACHES = {
  'sized cache (maxSize 10 000, ttl 60 s)': { ttl: 60000, maxSize: 10000 },
  'default cache (maxSize 100, ttl 2 s)': {},
}

export async function run({ mode }) {
  const nat = native()
  const backend = await startBackend()
  const userCounts =
    mode === 'smoke' ? [1000] : mode === 'quick' ? [1000, 10000] : [1000, 10000, 100000]
  const caches = mode === 'smoke' ? [Object.keys(CACHES)[0]] : Object.keys(CACHES)
  const results = {}
  try {
    for (const users of userCounts) {
      gc()
      const tokens = Array.from({ length: users }, (_, i) => mintLocal({ sub: i % 2 ? '1' : '2' }))
      const requests = mode === 'smoke' ? 5000 : Math.min(Math.max(5 * users, 50000), 500000)
      const reps = mode === 'full' && users <= 1000 ? 3 : mode === 'full' && users <= 10000 ? 2 : 1
      for (const cacheName of caches) {
        const runs = []
        for (let rep = 0; rep < reps; rep++) {
          await backend.reset()
          gc()
          const rss0 = rssMb()
          const engine = new nat.Engine(
            JSON.stringify(authConfig(backend.url, { cache: CACHES[cacheName] })),
          )
          const sample = zipf(users, 1.0, 7 + rep)
          let bad = 0
          const t0 = Date.now()
          await pool(requests, 64, async () => {
            const f = packFacts(facts(tokens[sample()]))
            let d = engine.decidePacked(f)
            if (packedKind(d) === 'pending') d = await engine.decideAsyncPacked(f)
            if (packedKind(d) !== 'next' || !packedHasUser(d)) bad++
          })
          const secs = (Date.now() - t0) / 1000
          gc()
          const rss1 = rssMb()
          const st = engine.stats()
          const calls = await backend.count('GET /auth/me')
          if (bad) throw new Error(`users: ${bad} of ${requests} requests were not authenticated`)
          runs.push({
            hitRate: st.cacheHits / (st.cacheHits + st.cacheMisses),
            backendPer1000: (calls * 1000) / requests,
            rssDeltaMb: rss1 - rss0,
            reqPerSec: requests / secs,
          })
        }
        results[`${cacheName}|${users}`] = {
          users,
          cacheName,
          requests,
          hitRate: summarize(runs.map((r) => r.hitRate * 100)),
          backendPer1000: summarize(runs.map((r) => r.backendPer1000)),
          rssDeltaMb: summarize(runs.map((r) => r.rssDeltaMb)),
          reqPerSec: summarize(runs.map((r) => r.reqPerSec)),
        }
      }
    }
  } finally {
    await backend.stop()
  }
  const rows = Object.values(results).map((r) => [
    r.cacheName,
    r.users.toLocaleString('en-US'),
    r.requests.toLocaleString('en-US'),
    fmt(r.hitRate, 3, ' %'),
    fmt(r.backendPer1000, 3),
    '1,000',
    fmt(r.rssDeltaMb, 3, ' MB'),
  ])
  const series = (key) =>
    caches.map((c) => ({
      label: c,
      points: userCounts.map((u) => {
        const s = results[`${c}|${u}`][key]
        return { x: u, y: s.median, min: s.min, max: s.max }
      }),
    }))
  const seriesWithBaseline = (key) => [
    ...series(key),
    { label: '(d) seed-style proxy', points: userCounts.map((u) => ({ x: u, y: 1000 })) },
  ]
  return {
    title,
    intro:
      "Tokens are distinct valid JWTs (signed like the demo backend's); each request draws one with Zipf (s = 1) " +
      'popularity and goes through the engine as the adapter calls it (`decidePacked`: a cache hit answers synchronously; `decideAsyncPacked` on a miss), ' +
      '64 in flight, backend without injected latency. Memory is the process RSS growth over the run after a GC ' +
      '(the token strings themselves are allocated before). The seed-style proxy (d) has no cache: 1000 backend ' +
      'calls per 1000 requests by construction.',
    tables: [
      {
        columns: [
          'engine cache',
          'users',
          'requests',
          'hit rate',
          'backend calls / 1000 req',
          '(d) backend calls / 1000 req',
          'RSS growth',
        ],
        rows,
      },
    ],
    plots: [
      {
        file: 'users-hit-rate.svg',
        alt: 'cache hit rate by number of users',
        svg: lineChart({
          title: 'Cache hit rate vs distinct users (Zipf s = 1)',
          xLabel: 'distinct users',
          yLabel: 'hit rate %',
          series: series('hitRate'),
          logX: true,
        }),
      },
      {
        file: 'users-backend-calls.svg',
        alt: 'backend calls per 1000 requests by number of users',
        svg: lineChart({
          title: 'Backend validate calls per 1000 requests',
          xLabel: 'distinct users',
          yLabel: 'calls / 1000 requests',
          series: seriesWithBaseline('backendPer1000'),
          logX: true,
          logY: true,
        }),
      },
    ],
    data: results,
  }
}
