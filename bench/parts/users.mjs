// Many users: Zipf-distributed traffic over 1k / 10k / 100k distinct valid tokens through the
// native engine (one decidePacked per request, decideAsyncPacked on a miss), each cell in its own process: cache hit rate, backend
// validate calls, memory. The seed-style proxy (d) calls the backend on every request.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startBackend } from '../lib/common.mjs'
import { fmt, summarize } from '../lib/stats.mjs'
import { lineChart } from '../lib/svg.mjs'

export const title = 'Many users: Zipf traffic over distinct tokens'

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'users-worker.mjs')

/** Runs one cell in users-worker.mjs (its own process); resolves its JSON result line. */
export function worker(cell) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', WORKER, JSON.stringify(cell)],
      { timeout: 600000, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`users worker failed: ${stderr || err.message}`))
        resolve(JSON.parse(stdout.trim().split('\n').pop()))
      },
    )
  })
}

const CACHES = {
  'sized cache (maxSize 10 000, ttl 60 s)': { ttl: 60000, maxSize: 10000 },
  'default cache (maxSize 100, ttl 2 s)': {},
}

export async function run({ mode }) {
  const backend = await startBackend()
  const userCounts =
    mode === 'smoke' ? [1000] : mode === 'quick' ? [1000, 10000] : [1000, 10000, 100000]
  const caches = mode === 'smoke' ? [Object.keys(CACHES)[0]] : Object.keys(CACHES)
  const results = {}
  try {
    for (const users of userCounts) {
      const requests = mode === 'smoke' ? 5000 : Math.min(Math.max(5 * users, 50000), 500000)
      const reps = mode === 'full' && users <= 1000 ? 3 : mode === 'full' && users <= 10000 ? 2 : 1
      for (const cacheName of caches) {
        const runs = []
        for (let rep = 0; rep < reps; rep++) {
          await backend.reset()
          const cell = {
            url: backend.url,
            users,
            requests,
            cache: CACHES[cacheName],
            seed: 7 + rep,
          }
          const r = await worker(cell)
          const calls = await backend.count('GET /auth/me')
          if (r.bad)
            throw new Error(`users: ${r.bad} of ${requests} requests were not authenticated`)
          runs.push({ ...r, backendPer1000: (calls * 1000) / requests })
        }
        results[`${cacheName}|${users}`] = {
          users,
          cacheName,
          requests,
          hitRate: summarize(runs.map((r) => r.hitRate * 100)),
          backendPer1000: summarize(runs.map((r) => r.backendPer1000)),
          rssDeltaMb: summarize(runs.map((r) => r.rssMb)),
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
      '64 in flight, backend without injected latency. Each cell runs in a fresh process; memory is that ' +
      "process's RSS growth over the run after a GC (tokens are minted before; V8 heap churn is included). The seed-style proxy (d) has no cache: 1000 backend " +
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
