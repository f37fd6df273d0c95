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
import {
  cpuNs,
  fmt,
  fmtRatio,
  judge,
  nowNs,
  nsPerOp,
  nsPerOpAsync,
  ratios,
  rounds,
  summarize,
} from '../lib/stats.mjs'
import { barChart } from '../lib/svg.mjs'

export const title = 'The floor: one cache-hit decision in-process'

const NEXT = 'NextResponse.next() (bare)'

/** What a desktop browser sends with a navigation, besides the cookie and accept. */
const BROWSER_HEADERS = {
  host: '127.0.0.1:3000',
  'user-agent':
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'accept-language': 'en-US,en;q=0.9',
  'accept-encoding': 'gzip, deflate, br',
  connection: 'keep-alive',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'same-origin',
  'sec-fetch-dest': 'document',
  'sec-fetch-user': '?1',
  'sec-ch-ua': '"Chromium";v="120", "Not_A Brand";v="8"',
  'sec-ch-ua-mobile': '?0',
  'sec-ch-ua-platform': '"Linux"',
  'upgrade-insecure-requests': '1',
  referer: 'http://127.0.0.1:3000/',
}

/**
 * Evicts the CPU caches the way a server does between two requests: Next.js touches far more
 * memory than the L3 holds between two calls of ours. One write per 64-byte line of a buffer
 * twice the L3 of the machines we run on (32 MiB).
 */
function makeEvictor(bytes = 64 * 1024 * 1024) {
  const big = new Float64Array(bytes / 8)
  return () => {
    for (let i = 0; i < big.length; i += 8) big[i] += 1
    return big[0]
  }
}

/**
 * Wall ns of one call of `fn`, median of `samples` single timed calls, each after `before()`
 * (the evictor for the cold rows; a warm-up call of the same `fn` for the hot ones). One call
 * is too short for the process's CPU clock (µs resolution), so this one is wall time; the
 * empty N-API call timed the same way shows the timer's own share.
 */
function nsPerColdCall(fn, before, samples) {
  const t = []
  for (let i = 0; i < samples; i++) {
    before()
    const t0 = nowNs()
    fn()
    t.push(Number(nowNs() - t0))
  }
  return summarize(t).median
}

/** The cold-cache rows: each call hot and after an eviction, interleaved over rounds. */
async function coldRows(calls, count, samples) {
  const evict = makeEvictor()
  let sink = 0
  const names = []
  const measure = {}
  for (const [label, call] of Object.entries(calls)) {
    const fn = () => {
      sink += call()
    }
    names.push(`${label}, hot`, `${label}, cold`)
    measure[`${label}, hot`] = () => nsPerColdCall(fn, fn, samples)
    measure[`${label}, cold`] = () => nsPerColdCall(fn, () => (sink += evict()), samples)
  }
  const res = await rounds(names, count, async (v) => measure[v]())
  if (sink === 0.5) console.log(sink)
  const base = res[`${Object.keys(calls)[0]}, cold`]
  const rows = Object.keys(calls).map((label) => {
    const hot = res[`${label}, hot`]
    const cold = res[`${label}, cold`]
    return [
      label,
      fmt(summarize(hot), 3, ' ns'),
      fmt(summarize(cold), 3, ' ns'),
      fmtRatio(ratios(cold, hot)),
      fmtRatio(ratios(cold, base)),
    ]
  })
  return { rows, summary: Object.fromEntries(names.map((v) => [v, summarize(res[v])])) }
}

export async function run({ mode }) {
  const nat = native()
  const backend = await startBackend()
  try {
    const { token } = await backend.mint({ sub: '1' })
    const cfg = authConfig(backend.url, {
      userHeader: 'auto',
      cache: { ttl: 600000, maxSize: 1000 },
    })
    const engine = new nat.Engine(JSON.stringify(cfg))
    const f = facts(token)
    const warm = await engine.decideAsync(f)
    if (warm.kind !== 'next') throw new Error(`floor: warm decision is ${warm.kind}, expected next`)
    const packed = packFacts(f)
    // With the default userHeader 'auto' a warm, unchanged request goes on bare ('n'): the
    // user is read downstream from the engine's cache (validateCached), not from a header.
    const warmHit = engine.decidePacked(packed)
    if (warmHit !== 'n' && !packedHasUser(warmHit)) {
      throw new Error(`floor: the packed cache hit is ${JSON.stringify(warmHit.slice(0, 20))}`)
    }
    if (engine.validateCached(token)?.status !== 'valid') {
      throw new Error('floor: validateCached did not find the warm token')
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
    // builds the NextResponse), when the package entry exists; next to what Next.js itself costs
    // for answering "go on" and for passing one more request header downstream (the floor of
    // any proxy that hands a user to the route: every request header is listed again).
    const p = pkg()
    const adapter = {}
    if (p && typeof p.createAuthProxy === 'function') {
      const { NextRequest, NextResponse } = await import('next/server.js')
      const proxyFn = p.createAuthProxy(cfg)
      const small = { cookie: `userToken=${token}`, accept: 'text/html' }
      const browser = { ...small, ...BROWSER_HEADERS }
      for (const [label, headers] of [
        ['2 request headers', small],
        [`${Object.keys(browser).length} browser request headers`, browser],
      ]) {
        const req = new NextRequest('http://127.0.0.1:3000/dashboard', { headers })
        const res = await proxyFn(req)
        // A valid session continues (with userHeader 'auto' and an unchanged request, bare).
        if (res?.headers.get('x-middleware-next') !== '1') {
          throw new Error(`floor: authProxy did not continue (status ${res?.status})`)
        }
        // A warm, unchanged request sets no cookie.
        if (res.headers.getSetCookie().length) {
          throw new Error('floor: a cache hit set a cookie')
        }
        adapter[`NextResponse.next({ request: { headers } }) + 1 header, ${label}`] = {
          sync: (n) => {
            for (let i = 0; i < n; i++) {
              const h = new Headers(req.headers)
              h.set('x-auth-user', 'e30=')
              sink += NextResponse.next({ request: { headers: h } }).status
            }
          },
        }
        adapter[`authProxy(NextRequest) (cache hit), ${label}`] = {
          async: async (n) => {
            for (let i = 0; i < n; i++) {
              const r = proxyFn(req)
              sink += (r && typeof r.then === 'function' ? await r : r).status
            }
          },
        }
        if (label !== '2 request headers') continue
        // The same call when the proxy's memo of bare answers cannot answer (a path it has not
        // kept: 1024 paths in turn, twice its size): the engine decides every call.
        const unseen = Array.from(
          { length: 1024 },
          (_, i) => new NextRequest(`http://127.0.0.1:3000/dashboard/p${i}`, { headers }),
        )
        for (const r of unseen.slice(0, 2)) {
          if ((await proxyFn(r)).headers.get('x-middleware-next') !== '1')
            throw new Error('floor: authProxy did not continue on a new path')
        }
        let u = 0
        adapter[`authProxy(NextRequest) (cache hit, the engine asked), ${label}`] = {
          async: async (n) => {
            for (let i = 0; i < n; i++) {
              const r = proxyFn(unseen[u++ & 1023])
              sink += (r && typeof r.then === 'function' ? await r : r).status
            }
          },
        }
      }
      variants[NEXT] = (n) => {
        for (let i = 0; i < n; i++) sink += NextResponse.next().status
      }
      // In a server every request is a new NextRequest (its headers not yet iterated, its
      // nextUrl not yet built): the same two answers on a fresh request per call.
      const fresh = () =>
        new NextRequest('http://127.0.0.1:3000/dashboard', {
          headers: { cookie: `userToken=${token}`, accept: 'text/html' },
        })
      adapter['new NextRequest + NextResponse.next()'] = {
        sync: (n) => {
          for (let i = 0; i < n; i++) sink += fresh().method.length + NextResponse.next().status
        },
      }
      adapter['new NextRequest + authProxy(NextRequest) (cache hit)'] = {
        async: async (n) => {
          for (let i = 0; i < n; i++) sink += (await proxyFn(fresh())).status
        },
      }
    }

    const minMs = mode === 'smoke' ? 5 : 60
    const count = mode === 'smoke' ? 1 : mode === 'quick' ? 5 : 9
    const names = [...Object.keys(variants), ...Object.keys(adapter)]
    const res = await rounds(names, count, async (v) => {
      if (variants[v]) return nsPerOp(variants[v], { minMs, clock: cpuNs })
      if (adapter[v].sync) return nsPerOp(adapter[v].sync, { minMs, clock: cpuNs })
      return nsPerOpAsync(adapter[v].async, { minMs, clock: cpuNs })
    })
    if (sink === 0.5) console.log(sink)
    const samples = mode === 'smoke' ? 3 : 41
    const cold = await coldRows(
      {
        'empty N-API call (version())': () => nat.version().length,
        'engine.decidePacked (cache hit)': () => engine.decidePacked(packed).length,
        'engine.validateCached (cache hit)': () => (engine.validateCached(token) ? 1 : 0),
      },
      count,
      samples,
    )
    const base = res['empty N-API call (version())']
    const rows = names.map((v) => [
      v,
      fmt(summarize(res[v]), 3, ' ns'),
      fmtRatio(ratios(res[v], base)),
      res[NEXT] ? fmtRatio(ratios(res[v], res[NEXT])) : 'n/a',
    ])
    const hit = Object.keys(adapter).find((v) => v.startsWith('authProxy'))
    const target = hit && summarize(res[hit])
    const askedRow = Object.keys(adapter).find((v) => v.includes('the engine asked'))
    const asked = askedRow && summarize(res[askedRow])
    // judged as the proxy part judges: the median's distribution-free interval (2nd to 8th of 9).
    // The issue set 3 µs when a bare NextResponse.next() took 1.4 µs on its machine; the shared
    // machine's speed moves by more than half between runs, so the verdict is on the per-round
    // ratio to this run's bare next() (3 / 1.4 = ×2.14), the absolute figure shown beside.
    const j = hit && judge(res[hit], 3000, 'below')
    const perNext = hit && res[NEXT] && res[hit].map((x, i) => x / res[NEXT][i])
    const jr = perNext && judge(perNext, 3 / 1.4, 'below')
    const said = (x) => (x.verdict === 'met' ? 'met' : `**${x.verdict}**`)
    const nsRange = (x) =>
      `${Math.round(x.low).toLocaleString('en-US')}–${Math.round(x.high).toLocaleString('en-US')} ns`
    const verdict = target
      ? 'Target: one cache-hit `authProxy(NextRequest)` ≤ 3 µs, set next to 1.4 µs for a bare ' +
        '`NextResponse.next()`, so ≤ ×2.14 of a bare `next()` in the same run. This run, with 2 request ' +
        (jr
          ? `headers: ×${summarize(perNext).median.toFixed(2)} of a bare next(), its median's ${Math.round(jr.coverage * 100)} % interval ` +
            `×${jr.low.toFixed(2)}–${jr.high.toFixed(2)}: ${said(jr)}; `
          : 'headers: ') +
        `${fmt(target, 3, ' ns')} (interval ${nsRange(j)}; ${said(j)} against 3 µs as such, with a bare next() at ` +
        `${fmt(summarize(res[NEXT] || [NaN]), 3, ' ns')}). A repeat of a request, answered from the proxy's memo of bare ` +
        `answers${asked ? `; ${fmt(asked, 3, ' ns')} on a path the memo does not hold, the engine asked` : ''}.`
      : ''
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
      verdict,
      intro:
        `In-process, one warm token, ${count} interleaved rounds of at least ${minMs} ms of the process's ` +
        'CPU time each (CPU time, not wall time: on a shared machine it does not count the time the ' +
        'process waits for a core). Ratios are per round against the empty N-API call and against a bare ' +
        '`NextResponse.next()`. ' +
        (hit
          ? verdict
          : '**authProxy(NextRequest) not measured: the package entry (index.js) was not available.**'),
      tables: [
        {
          columns: [
            'call',
            'CPU ns/op median (min–max)',
            'vs empty N-API call',
            'vs NextResponse.next()',
          ],
          rows,
        },
        {
          caption:
            `Cold CPU caches: one call timed alone (wall ns, median of ${samples} calls per round), hot (right ` +
            'after the same call) and cold (right after writing every cache line of a 64 MiB buffer, ' +
            'as a server touches far more memory than the L3 between two requests of ours)',
          columns: [
            'call',
            'hot ns median (min–max)',
            'cold ns median (min–max)',
            'cold vs hot',
            'cold vs empty N-API call cold',
          ],
          rows: cold.rows,
        },
      ],
      plots: [{ file: 'floor.svg', svg: plot, alt: 'ns per call' }],
      data: { summary, cold: cold.summary, engineStats: stats },
    }
  } finally {
    await backend.stop()
  }
}
