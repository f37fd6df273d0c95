// Refresh storm: N concurrent requests carrying one expired token against the rotating-refresh
// demo backend (each token refreshes exactly once). Ours (createAuthProxy) against the
// seed-style proxy (d). Real NextRequest objects, in-process.

import { createSeedProxy } from '../app/seed-proxy.mjs'
import { authConfig, pkg, startBackend } from '../lib/common.mjs'
import { fmt, fmtRatio, ratios, summarize } from '../lib/stats.mjs'
import { barChart } from '../lib/svg.mjs'

export const title = 'Refresh storm: one expired token, N concurrent requests'

export async function run({ mode }) {
  const p = pkg()
  if (!p || typeof p.createAuthProxy !== 'function')
    throw new Error('storm: createAuthProxy is not available')
  const { NextRequest, NextResponse } = await import('next/server.js')
  const backend = await startBackend()
  const sizes = mode === 'smoke' ? [10] : [10, 100, 1000]
  const reps = mode === 'smoke' ? 1 : mode === 'quick' ? 2 : 5
  const variants = ['ours (createAuthProxy)', '(d) seed-style proxy']
  const results = {}
  try {
    // Sanity: a valid token must pass through ours, or the figures below would mean nothing.
    const probe = p.createAuthProxy(
      authConfig(backend.url, { access: { protectedRoutes: ['/probe'] } }),
    )
    const { token: valid } = await backend.mint({ sub: '1' })
    const ok = await probe(
      new NextRequest('http://127.0.0.1:3000/probe', { headers: { cookie: `userToken=${valid}` } }),
    )
    if (!ok.headers.get('x-middleware-request-x-auth-user')) {
      throw new Error(`storm: createAuthProxy did not pass a valid token (status ${ok.status})`)
    }
    await backend.faults({ me: { latencyMs: 20 }, refresh: { latencyMs: 20 } })
    for (const n of sizes) {
      const r = Object.fromEntries(
        variants.map((v) => [v, { refresh: [], failed: [], ms: [], me: [] }]),
      )
      for (let rep = 0; rep < reps; rep++) {
        for (let i = 0; i < variants.length; i++) {
          const v = variants[(i + rep) % variants.length]
          // A fresh proxy (fresh engine cache) and a fresh expired token for every run.
          // (a unique route makes the config, and so the shared engine, unique to this run)
          const cfg = authConfig(backend.url, {
            cache: { ttl: 60000, maxSize: 1000 },
            timeout: 30000,
          })
          cfg.access.protectedRoutes.push(`/storm-${n}-${rep}-${i}`)
          const proxy =
            v === variants[0]
              ? p.createAuthProxy(cfg)
              : createSeedProxy({
                  apiBaseUrl: backend.url,
                  NextResponse,
                  protectedRoutes: ['/dashboard'],
                })
          const { token } = await backend.mint({ sub: '1', ttl: -30 })
          const reqs = Array.from(
            { length: n },
            () =>
              new NextRequest('http://127.0.0.1:3000/dashboard', {
                headers: { cookie: `userToken=${token}`, accept: 'text/html' },
              }),
          )
          await backend.reset()
          await backend.faults({ me: { latencyMs: 20 }, refresh: { latencyMs: 20 } })
          const t0 = process.hrtime.bigint()
          const out = await Promise.all(reqs.map((q) => proxy(q)))
          const ms = Number(process.hrtime.bigint() - t0) / 1e6
          const failed = out.filter(
            (res) => !res.headers.get('x-middleware-request-x-auth-user'),
          ).length
          const c = await backend.counters()
          r[v].refresh.push(c.routes['POST /auth/refresh'] || 0)
          r[v].me.push(c.routes['GET /auth/me'] || 0)
          r[v].failed.push(failed)
          r[v].ms.push(ms)
        }
      }
      results[n] = r
    }
  } finally {
    await backend.stop()
  }
  const rows = []
  const groups = []
  for (const n of sizes) {
    const r = results[n]
    const bars = []
    for (const v of variants) {
      rows.push([
        n.toLocaleString('en-US'),
        v,
        fmt(summarize(r[v].refresh), 3),
        fmt(summarize(r[v].me), 3),
        fmt(summarize(r[v].failed), 3),
        fmt(summarize(r[v].ms), 3, ' ms'),
        v === variants[0] ? '—' : fmtRatio(ratios(r[v].ms, r[variants[0]].ms)),
      ])
      const s = summarize(r[v].ms)
      bars.push({
        label: v,
        ...s,
        text: `${fmt(s.median, 3)} ms, ${fmt(summarize(r[v].failed).median, 3)} failed`,
      })
    }
    groups.push({ label: `N = ${n}`, bars })
  }
  return {
    title,
    intro:
      `Each run: a fresh proxy, a fresh already-expired token (its refresh pair still valid), N requests for a ` +
      `protected page started at once; the backend answers /auth/me and /auth/refresh after 20 ms and rotates ` +
      `(a second refresh of the same token gets 401). A request failed when it did not continue with a user ` +
      `(redirect to login). ${reps} runs per cell, variants alternating.`,
    tables: [
      {
        columns: [
          'N',
          'proxy',
          'refresh calls',
          '/auth/me calls',
          'failed requests',
          'time to all done',
          '(d) time ÷ ours',
        ],
        rows,
      },
    ],
    plots: [
      {
        file: 'storm.svg',
        alt: 'refresh storm time to all done',
        svg: barChart({
          title: 'Refresh storm: time until all N requests are answered (ms)',
          unit: 'ms',
          log: true,
          groups,
        }),
      },
      {
        file: 'storm-refresh-calls.svg',
        alt: 'refresh storm backend refresh calls and failed requests',
        svg: barChart({
          title: 'Refresh storm: backend refresh calls and failed requests (+1, log)',
          unit: 'count + 1',
          log: true,
          groups: sizes.flatMap((n) =>
            ['refresh', 'failed'].map((k) => ({
              label: `N = ${n}: ${k === 'refresh' ? 'refresh calls' : 'failed requests'}`,
              bars: variants.map((v) => {
                const s = summarize(results[n][v][k].map((x) => x + 1))
                return { label: v, ...s, text: fmt(s.median - 1, 3) }
              }),
            })),
          ),
        }),
      },
    ],
    data: results,
  }
}
