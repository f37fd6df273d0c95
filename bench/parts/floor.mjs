// The floor: one cache-hit decision measured in-process, next to a JS Map.get and an empty
// N-API call (the addon's version()), so we know how close we are to the crossing's own cost.
import {
  authConfig,
  facts,
  native,
  packedHasUser,
  packFacts,
  pkg,
  startBackend,
} from '../lib/common.mjs'
import { fmt, fmtRatio, nsPerOp, nsPerOpAsync, ratios, rounds, summarize } from '../lib/stats.mjs'
import { barChart } from '../lib/svg.mjs'

export const title = 'The floor: one cache-hit decision in-process'

export async function run({ mode }) {
  const nat = native()
  const backend = await startBackend()
  try {
    const { token } = await backend.mint({ sub: '1' })
    const cfg = authConfig(backend.url, { cache: { ttl: 600000, maxSize: 1000 } })
    const engine = new nat.Engine(JSON.stringify(cfg))
    const f = facts(token)
    const warm = await engine.decideAsync(f)
    if (warm.kind !== 'next') throw new Error(`floor: warm decision is ${warm.kind}, expected next`)
    const packed = packFacts(f)
    if (!packedHasUser(engine.decidePacked(packed))) {
      throw new Error('floor: the packed cache hit did not pass the user')
    }
    if (engine.decide(f).kind !== 'next')
      throw new Error('floor: cache hit did not answer synchronously')

    const map = new Map()
    for (let i = 0; i < 100; i++) map.set(`token-${i}`, { id: i })
    map.set(token, { id: 1 })
    let sink = 0

    const variants = {
      'JS Map.get': (n) => {
        for (let i = 0; i < n; i++) sink += map.get(token) ? 1 : 0
      },
      'empty N-API call (version())': (n) => {
        for (let i = 0; i < n; i++) sink += nat.version().length
      },
      'engine.decide, 19-field facts object (cache hit)': (n) => {
        for (let i = 0; i < n; i++) sink += engine.decide(f).status
      },
      'engine.decidePacked, one string each way (cache hit)': (n) => {
        for (let i = 0; i < n; i++) sink += engine.decidePacked(packed).length
      },
    }

    // The full adapter: createAuthProxy on a real NextRequest (packs the facts, one native call,
    // builds the NextResponse), when the package entry exists.
    const p = pkg()
    let proxyFn = null
    let req = null
    if (p && typeof p.createAuthProxy === 'function') {
      const { NextRequest } = await import('next/server.js')
      proxyFn = p.createAuthProxy(cfg)
      req = new NextRequest('http://127.0.0.1:3000/dashboard', {
        headers: { cookie: `userToken=${token}`, accept: 'text/html' },
      })
      const res = await proxyFn(req)
      // A valid session continues with x-auth-user set for downstream code.
      if (!res?.headers.get('x-middleware-request-x-auth-user')) {
        throw new Error(`floor: authProxy did not continue with a user (status ${res?.status})`)
      }
    }

    const minMs = mode === 'smoke' ? 5 : 60
    const count = mode === 'smoke' ? 1 : mode === 'quick' ? 5 : 9
    const names = Object.keys(variants)
    if (proxyFn) names.push('authProxy(NextRequest) (cache hit)')
    const res = await rounds(names, count, async (v) => {
      if (variants[v]) return nsPerOp(variants[v], { minMs })
      return nsPerOpAsync(
        async (n) => {
          for (let i = 0; i < n; i++) {
            const r = proxyFn(req)
            sink += (r && typeof r.then === 'function' ? await r : r).status
          }
        },
        { minMs },
      )
    })
    if (sink === 0.5) console.log(sink)
    const base = res['empty N-API call (version())']
    const rows = names.map((v) => [
      v,
      fmt(summarize(res[v]), 3, ' ns'),
      fmtRatio(ratios(res[v], base)),
    ])
    const stats = engine.stats()
    const summary = Object.fromEntries(names.map((v) => [v, summarize(res[v])]))
    const plot = barChart({
      title: 'ns per call (median, min–max whiskers)',
      unit: 'ns per call',
      log: true,
      groups: [
        {
          label: '',
          bars: names.map((v) => ({
            label: v,
            ...summary[v],
            text: fmt(summary[v].median, 3, ' ns'),
          })),
        },
      ],
    })
    return {
      title,
      intro:
        `In-process, one warm token, ${count} interleaved rounds of at least ${minMs} ms each. ` +
        'Ratios are per round against the empty N-API call.' +
        (proxyFn
          ? ''
          : ' **authProxy(NextRequest) not measured: the package entry (index.js) was not available.**'),
      tables: [{ columns: ['call', 'ns/op median (min–max)', 'vs empty N-API call'], rows }],
      plots: [{ file: 'floor.svg', svg: plot, alt: 'ns per call' }],
      data: { summary, engineStats: stats },
    }
  } finally {
    await backend.stop()
  }
}
