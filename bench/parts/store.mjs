// Shared store (Redis) vs in-process state, side by side in one run, against a real
// redis-server on 127.0.0.1:
//   1. proxy throughput on cache hits (createAuthProxy, real NextRequest objects): the store
//      must cost nothing there (cache hits never touch Redis; the Redis command count is shown);
//   2. one rate-limit check: through Redis (GCRA script, one round trip) vs the in-process limiter;
//   3. refresh storm over 3 instances (separate processes, one engine each) against the rotating
//      demo backend: with the store vs in-process state only.

import path from 'node:path'
import { authConfig, pkg, ROOT, require, startBackend } from '../lib/common.mjs'
import { fmt, fmtRatio, nsPerOpAsync, ratios, rounds, summarize } from '../lib/stats.mjs'

export const title = 'More than one instance: the Redis store vs in-process state'

const { startRedis } = require(path.join(ROOT, '__test__/helpers/redis.js'))
const { startInstances } = require(path.join(ROOT, '__test__/helpers/instances.js'))

let seq = 0

export async function run({ mode, log }) {
  const p = pkg()
  if (!p) throw new Error('store: the package entry is not available')
  const { NextRequest } = await import('next/server.js')
  const reps = mode === 'quick' ? 3 : 9
  const backend = await startBackend()
  const redis = await startRedis()
  const tables = []
  try {
    const store = () => ({ url: redis.url, keyPrefix: `bench${++seq}:` })
    // ---- 1. cache hits
    const { token } = await backend.mint({ sub: '1' })
    const req = () =>
      new NextRequest('http://127.0.0.1:3000/dashboard', {
        headers: { cookie: `userToken=${token}`, accept: 'text/html' },
      })
    const proxies = {
      'in-process': p.createAuthProxy(authConfig(backend.url, { cache: { ttl: 600000 } })),
      'Redis store': p.createAuthProxy(
        authConfig(backend.url, { cache: { ttl: 600000, maxSize: 101 }, store: store() }),
      ),
    }
    for (const proxy of Object.values(proxies)) await proxy(req())
    const commandsBefore = proxies['Redis store'].stats().store.commands
    const hit = await rounds(Object.keys(proxies), reps, (v) =>
      nsPerOpAsync(
        async (n) => {
          for (let i = 0; i < n; i++) await proxies[v](req())
        },
        { minMs: 300 },
      ),
    )
    const commandsDuring = proxies['Redis store'].stats().store.commands - commandsBefore
    tables.push({
      caption: 'Cache hits through createAuthProxy (one valid token, sequential requests)',
      columns: ['state', 'requests/s', 'time ÷ in-process', 'Redis commands during the rounds'],
      rows: Object.keys(proxies).map((v) => [
        v,
        fmt(summarize(hit[v].map((ns) => 1e9 / ns)), 3),
        v === 'in-process' ? '—' : fmtRatio(ratios(hit[v], hit['in-process'])),
        v === 'in-process' ? '—' : String(commandsDuring),
      ]),
    })
    log(`cache hits: ${commandsDuring} Redis commands`)

    // ---- 2. rate-limit checks (a limit that is never reached; public page, no token)
    const rate = { windowMs: 60000, maxRequests: 1000000, trustedProxies: 1 }
    const limited = {
      'in-process limiter': p.createAuthProxy(authConfig(backend.url, { rateLimit: rate })),
      'Redis (GCRA script)': p.createAuthProxy(
        authConfig(backend.url, { rateLimit: rate, store: store() }),
      ),
    }
    const anon = () =>
      new NextRequest('http://127.0.0.1:3000/about', {
        headers: { 'x-forwarded-for': '203.0.113.9' },
      })
    for (const proxy of Object.values(limited)) await proxy(anon())
    const rl = await rounds(Object.keys(limited), reps, (v) =>
      nsPerOpAsync(
        async (n) => {
          for (let i = 0; i < n; i++) await limited[v](anon())
        },
        { minMs: 300 },
      ),
    )
    tables.push({
      caption: 'One rate-limited request through createAuthProxy (sequential, one client)',
      columns: ['limiter', 'µs per request', '÷ in-process'],
      rows: Object.keys(limited).map((v) => [
        v,
        fmt(summarize(rl[v].map((ns) => ns / 1000)), 3),
        v === 'in-process limiter' ? '—' : fmtRatio(ratios(rl[v], rl['in-process limiter'])),
      ]),
    })

    // ---- 3. storm over 3 instances
    const sizes = mode === 'quick' ? [100] : [100, 1000]
    const stormReps = mode === 'quick' ? 2 : 3
    const variants = ['ours, Redis store', 'in-process state only']
    const rows = []
    for (const n of sizes) {
      const r = Object.fromEntries(variants.map((v) => [v, { refresh: [], failed: [], ms: [] }]))
      for (let rep = 0; rep < stormReps; rep++) {
        for (const v of variants) {
          const cfg = authConfig(backend.url, { cache: { ttl: 60000, maxSize: 2000 } })
          if (v === variants[0]) cfg.store = store()
          const list = await startInstances(3, cfg)
          try {
            const { token: expired } = await backend.mint({ sub: '1', ttl: -30 })
            await backend.reset()
            await backend.faults({ me: { latencyMs: 20 }, refresh: { latencyMs: 20 } })
            const t0 = process.hrtime.bigint()
            const out = await Promise.all(
              Array.from({ length: n }, (_, i) =>
                list[i % 3].decide({
                  method: 'GET',
                  path: '/dashboard',
                  cookie: `userToken=${expired}`,
                  accept: 'text/html',
                }),
              ),
            )
            r[v].ms.push(Number(process.hrtime.bigint() - t0) / 1e6)
            r[v].failed.push(out.filter((o) => o.decision.kind !== 'next').length)
            r[v].refresh.push(await backend.count('POST /auth/refresh'))
          } finally {
            for (const i of list) i.stop()
          }
        }
      }
      for (const v of variants) {
        rows.push([
          n.toLocaleString('en-US'),
          v,
          fmt(summarize(r[v].refresh), 3),
          fmt(summarize(r[v].failed), 3),
          fmt(summarize(r[v].ms), 3, ' ms'),
        ])
      }
    }
    await backend.faults({ me: null, refresh: null })
    tables.push({
      caption:
        'Refresh storm over 3 instances (separate processes): N requests with one expired token, spread round-robin',
      columns: ['N', 'state', 'backend refresh calls', 'failed requests', 'time to all done'],
      rows,
    })
  } finally {
    await redis.stop()
    await backend.stop()
  }
  return {
    title,
    intro:
      `A real redis-server on 127.0.0.1 (no persistence). Throughput and latency: ${reps} rounds, variants ` +
      `alternating, medians with min–max. The storm: the demo backend answers /auth/me and /auth/refresh after 20 ms ` +
      `and rotates (a second refresh of the same token is refused, and that user is sent to the login page); ` +
      `each instance coalesces its own requests, so in-process state gives one refresh per instance.`,
    tables,
    plots: [],
  }
}
