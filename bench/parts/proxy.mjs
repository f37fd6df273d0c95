// Proxy overhead in a real server: the bench app under `next start`, loaded over loopback, the
// demo backend answering /auth/me after 20 ms, a real redis-server for the store variant. One
// build; every variant (bench/app/proxy.js lists them) is built at module load in each of two
// `next start` processes (BENCH_VARIANT=all), and GET /bench-variant?v=<key> switches which one
// answers. The route asks getServerUser for the user behind our proxy, as an app does.
//
// Same-process alternation decides the targets. A round is a sequence of slots in each process:
// the judged variants (b), (e), (f), (r), the references (g), (h), (k), the empty proxy (a) and
// its identical twin (A), in a shuffled order and then that order reversed (so a drift within the
// round cancels for every variant), each slot an evenly paced open-loop load of its own from a
// load-generator process. CPU per request of a variant in a round is its slots' on-CPU time
// (schedstat of every thread of the process) over their requests; its ratio is taken against the
// geometric mean of (a) and (A) of the same process and round, and (A)/(a) is the calibration.
// Both processes run at once, each its own order; each process's round is one value of a ratio.
//
// Why: with a server per variant (the earlier joint protocol: eleven servers loaded at once at
// 50 requests/s each), identical (a) servers sat up to ±3 % apart for a whole run, a per-process
// offset (where the JIT and the heap happened to settle) that no number of rounds removes: the
// published calibration (a')/(a) was ×0.96 (97 % interval 0.937–1.002) and three of four
// targets could not be decided. In one process every variant shares that offset, so it cancels
// in the ratio. bench/calibrate-alternation.mjs compares the two on the same processes (see
// BENCHMARKS.md's reading for its figures). Earlier calibrations (bench/calibrate-proxy.mjs,
// load average 4–14): closed-loop pairs spread 11–14 % per round, pinned 8–9 %, bursty fixed rate
// 5–6 %, evenly paced 3–4 %; so the load stays paced. A full GC before a round cut the spread a
// little but made every request ~30 % dearer after it, so it is out. No variant is warmed and
// then left idle: all are warmed together, slot after slot, closed loop, and one paced round is
// thrown away (JIT warm-up takes 60–90 s of load). The sequential closed-loop runs that fill the
// per-variant table (req/s, latency, backend calls, (c) and (d)) come after, on the first
// process, switching variants the same way; they are shown, not judged.
import path from 'node:path'
import { buildApp, startApp } from '../lib/app.mjs'
import { ROOT, redisCommands, require, startBackend } from '../lib/common.mjs'
import { cpuNsOf, startLoadgen } from '../lib/load.mjs'
import { fmt, fmtRatio, judge, ratios, sleep, summarize } from '../lib/stats.mjs'
import { barChart } from '../lib/svg.mjs'

export const title = 'Proxy overhead in a real Next.js server'

const NAMES = {
  a: '(a) NextResponse.next() only',
  g: '(g) async () => NextResponse.next() (reference)',
  h: '(h) Next.js next({ request: { headers } }) + 2 headers (reference)',
  b: '(b) createAuthProxy, warm cache',
  c: '(c) createAuthProxy, cache off',
  e: '(e) createAuthProxy, local JWT verification',
  f: '(f) createAuthProxy, warm cache, 1-hour TTL',
  k: "(k) (f) with userHeader: 'always'",
  r: '(r) (f) with the Redis store',
  d: '(d) seed-style JS proxy (baseline)',
}
// Our proxy: the route gets the user from getServerUser. (d) passes one in its own header.
const WITH_USER = new Set(['b', 'c', 'e', 'f', 'k', 'r', 'd'])
const TARGETED = ['b', 'e', 'f', 'r']
const REFERENCE = ['g', 'h', 'k']
const JUDGED = [...TARGETED, ...REFERENCE]
// The empty proxy's identical twin in the same process: (A)/(a) is what "no difference" looks like.
const TWIN = 'A'
// The slots of a round (before its shuffle); (c) and (d) only in the sequential runs.
const ALT = ['a', TWIN, ...JUDGED]

const SIZES = {
  // 2 processes × 9 measured rounds = 18 values per ratio: the median's interval is the 5th to
  // 14th (97 %). A round is 18 slots of 2.5 s (every key twice) at 150 requests/s per process:
  // ~0.5 of a core of server work plus the load generator's. With the warm-up and the per-variant
  // runs the part takes ~11 minutes on 2 cores.
  full: {
    procs: 2,
    rounds: 9,
    slotSecs: 2.5,
    rate: 150,
    warmCycles: 3,
    warmSlot: 2,
    duration: 3,
    reps: 2,
    pause: 300,
  },
  quick: {
    procs: 2,
    rounds: 3,
    slotSecs: 2,
    rate: 150,
    warmCycles: 1,
    warmSlot: 2,
    duration: 2,
    reps: 1,
    pause: 300,
  },
  // Checks that every variant answers right and survives load; no figure is worth reading.
  smoke: {
    procs: 2,
    rounds: 1,
    slotSecs: 0.5,
    rate: 20,
    warmCycles: 1,
    warmSlot: 0.3,
    duration: 0.5,
    reps: 1,
    pause: 100,
  },
}
const CONNECTIONS = 16

function load(url, cookie, connections, duration) {
  const autocannon = require('autocannon')
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/dashboard`,
        connections,
        duration,
        headers: { cookie, accept: 'application/json' },
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    )
  })
}

/** Makes `v` the variant server `s` answers with (the bench app's switch). */
export async function use(s, v) {
  const res = await fetch(`${s.url}/bench-variant?v=${encodeURIComponent(v)}`)
  const body = await res.json().catch(() => ({}))
  const engines = WITH_USER.has(v) && v !== 'd' ? 1 : 0
  if (res.status !== 200 || body.variant !== v || body.proxyEngines !== engines)
    throw new Error(`proxy: switching to (${v}) answered ${JSON.stringify(body)} (${res.status})`)
}

function startRedis() {
  const { startRedis: start } = require(path.join(ROOT, '__test__/helpers/redis.js'))
  return start().catch((err) => {
    throw new Error(
      `proxy: variant (r) needs a real redis-server: ${err.message}. On Debian: apt-get install redis-server`,
    )
  })
}

/**
 * Starts `procs` servers, each holding every variant (BENCH_VARIANT=all), and checks that each
 * variant, once switched to, runs and passes the user as it should.
 */
export async function startServers(dir, env, cookie, procs, log) {
  const servers = []
  try {
    for (let p = 0; p < procs; p++) {
      const s = await startApp(dir, { ...env, BENCH_VARIANT: 'all' })
      servers.push(s)
      for (const v of [...ALT, 'c', 'd']) {
        await use(s, v)
        const res = await fetch(`${s.url}/dashboard`, { headers: { cookie } })
        const text = await res.text()
        let body
        try {
          body = JSON.parse(text)
        } catch {
          body = text.slice(0, 300)
        }
        const user = WITH_USER.has(v)
        if (res.status !== 200 || body.variant !== v || body.user !== user) {
          throw new Error(
            `proxy: variant ${v} answered ${JSON.stringify(body)} (status ${res.status}); server log:\n${s.log().slice(-2000)}`,
          )
        }
      }
      // No warm-up here: a server warmed and then left idle while another starts pays more per
      // request for minutes after; all are warmed together once all run.
      log(`  server ${p + 1}: every variant switched to, answers right`)
    }
  } catch (err) {
    for (const s of servers) await s.stop()
    throw err
  }
  return servers
}

/** Each variant loaded alone in closed loop on the first server, variants alternating. */
async function sequential(ctx) {
  const { servers, backend, redis, cookie, size, log } = ctx
  const server = servers[0]
  const variants = Object.keys(NAMES)
  const m = Object.fromEntries(
    variants.map((v) => [
      v,
      { rps: [], p50: [], p99: [], calls: [], redis: [], errors: [], cpu: [] },
    ]),
  )
  for (let r = 0; r < size.reps; r++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + r) % variants.length]
      await use(server, v)
      const before = await backend.count('GET /auth/me')
      const redis0 = await redisCommands(redis.port)
      const cpu0 = cpuNsOf(server.pid) / 1e6
      const res = await load(server.url, cookie, CONNECTIONS, size.duration)
      const cpu1 = cpuNsOf(server.pid) / 1e6
      await sleep(size.pause) // let queued requests drain before counting
      const calls = (await backend.count('GET /auth/me')) - before
      const redisCalls = (await redisCommands(redis.port)) - redis0
      const total = Math.max(res.requests.total, 1)
      m[v].rps.push(res.requests.average)
      m[v].p50.push(res.latency.p50)
      m[v].p99.push(res.latency.p99)
      m[v].calls.push((calls * 1000) / total)
      m[v].redis.push((redisCalls * 1000) / total)
      m[v].errors.push(res.errors + res.timeouts + res.non2xx)
      m[v].cpu.push((cpu1 - cpu0) / total)
      log(
        `  ${NAMES[v]}: ${Math.round(res.requests.average)} req/s, p50 ${res.latency.p50} ms, p99 ${res.latency.p99} ms, ${calls} backend calls, ${redisCalls} Redis commands, ${m[v].cpu.at(-1).toFixed(2)} ms CPU/req`,
      )
    }
  }
  return m
}

/** A small seeded generator (mulberry32): the slot orders are the same in every run. */
function seeded(seed) {
  let t = seed >>> 0
  return () => {
    t = (t + 0x6d2b79f5) >>> 0
    let x = Math.imul(t ^ (t >>> 15), 1 | t)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

/** Round `r`'s slot order in process `p`: a shuffle of ALT, then the same reversed. */
export function slotOrder(r, p, keys = ALT) {
  const rnd = seeded(1000 * (r + 1) + p)
  const o = [...keys]
  for (let i = o.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1))
    ;[o[i], o[j]] = [o[j], o[i]]
  }
  return [...o, ...o.reverse()]
}

/** Round i's baseline in one process: the geometric mean of (a)'s and (A)'s CPU per request. */
const baseline = (per, i) => Math.sqrt(per.a.cpu[i] * per[TWIN].cpu[i])

/**
 * Same-process alternation (see the header): `rounds` measured rounds after a closed-loop warm-up
 * of every variant in turn and one uncounted paced round. Returns, per process, each key's CPU per
 * request (ms) per round and the slots' loads; `sameOrder` runs every process in the first's order
 * (the calibration uses it to compare processes slot by slot).
 */
export async function alternate(ctx, { sameOrder = false, onRound } = {}) {
  const { servers, redis, cookie, size, log } = ctx
  const procs = servers.map(() =>
    Object.fromEntries(ALT.map((k) => [k, { cpu: [], p50: [], errors: [], total: [] }])),
  )
  const redisPerK = []
  const lg = startLoadgen()
  const job = (s, secs, paced) => ({
    url: `${s.url}/dashboard`,
    headers: { cookie, accept: 'application/json' },
    connections: paced ? 8 : 2,
    duration: secs,
    paced,
  })
  /** One slot: every server switched to its key, loaded at once; CPU ns and results per server. */
  const slot = async (keys, secs, paced) => {
    await Promise.all(servers.map((s, p) => use(s, keys[p])))
    const c0 = servers.map((s) => cpuNsOf(s.pid))
    const res = await lg.run(servers.map((s) => job(s, secs, paced)))
    const c1 = servers.map((s) => cpuNsOf(s.pid))
    return res.map((x, p) => ({ ...x, ns: c1[p] - c0[p] }))
  }
  const round = async (r) => {
    const orders = servers.map((_, p) => slotOrder(r, sameOrder ? 0 : p))
    const acc = servers.map(() => Object.fromEntries(ALT.map((k) => [k, { ns: 0, n: 0, e: 0 }])))
    const lat = servers.map(() => Object.fromEntries(ALT.map((k) => [k, []])))
    const redis0 = await redisCommands(redis.port)
    for (let i = 0; i < orders[0].length; i++) {
      const keys = orders.map((o) => o[i])
      const res = await slot(keys, size.slotSecs, size.rate)
      res.forEach((x, p) => {
        const a = acc[p][keys[p]]
        a.ns += x.ns
        a.n += x.total
        a.e += x.errors
        lat[p][keys[p]].push(x.p50)
      })
    }
    const redisCalls = (await redisCommands(redis.port)) - redis0
    const rTotal = acc.reduce((t, x) => t + x.r.n, 0)
    return { acc, lat, redisPerK: (redisCalls * 1000) / Math.max(rTotal, 1), orders }
  }
  try {
    // Warm-up: every variant in turn, (c) and (d) too (the sequential runs load them), closed loop.
    for (let c = 0; c < size.warmCycles; c++)
      for (const k of [...ALT, 'c', 'd'])
        await slot(
          servers.map(() => k),
          size.warmSlot,
        )
    await round(-1) // uncounted: JIT and heap still settling
    for (let r = 0; r < size.rounds; r++) {
      const { acc, lat, redisPerK: rk, orders } = await round(r)
      redisPerK.push(rk)
      const line = []
      acc.forEach((x, p) => {
        for (const k of ALT) {
          procs[p][k].cpu.push(x[k].ns / 1e6 / Math.max(x[k].n, 1))
          procs[p][k].total.push(x[k].n)
          procs[p][k].errors.push(x[k].e)
          procs[p][k].p50.push(summarize(lat[p][k]).median)
        }
        const i = procs[p].a.cpu.length - 1
        const base = baseline(procs[p], i)
        line.push(
          `server ${p + 1} baseline ${base.toFixed(3)} ms CPU/req, (A)/(a) ×${(procs[p][TWIN].cpu[i] / procs[p].a.cpu[i]).toFixed(3)}, ` +
            JUDGED.map((k) => `(${k}) ×${(procs[p][k].cpu[i] / base).toFixed(3)}`).join(' '),
        )
      })
      log(
        `  round ${r + 1} (order ${orders.map((o) => o.slice(0, ALT.length).join('')).join(' / ')}): ${line.join('; ')}`,
      )
      if (onRound) onRound(procs)
    }
  } finally {
    await lg.stop()
  }
  return { procs, redis: redisPerK }
}

/** Judged values: each process's round is one value of a key's ratio to its baseline. */
function ratiosOf(alt) {
  const out = {}
  for (const k of JUDGED) {
    out[k] = { cpu: alt.procs.flatMap((per) => per[k].cpu.map((x, i) => x / baseline(per, i))) }
  }
  out[TWIN] = { cpu: alt.procs.flatMap((per) => per[TWIN].cpu.map((x, i) => x / per.a.cpu[i])) }
  return out
}

/** The smoke's checks: every variant served its load without errors; cache hits left Redis alone. */
function smokeChecks(m, alt) {
  for (const [v, x] of Object.entries(m)) {
    if (x.errors.some((e) => e > 0))
      throw new Error(`proxy: ${NAMES[v]} had errors under load: ${x.errors}`)
  }
  alt.procs.forEach((per, p) => {
    for (const [k, x] of Object.entries(per)) {
      if (x.errors.some((e) => e > 0))
        throw new Error(`proxy: (${k}) in server ${p + 1} had errors in the slots: ${x.errors}`)
      if (x.total.some((n) => n === 0))
        throw new Error(`proxy: (${k}) in server ${p + 1} served no request in a slot`)
    }
  })
  const redisTouched = [...m.r.redis, ...alt.redis].some((c) => c > 0)
  if (redisTouched) throw new Error('proxy: (r) sent Redis commands on cache hits')
}

/** The backend, Redis and a token; `fn(ctx)` runs with the servers started (`over`: size fields). */
export async function withServers(mode, log, fn, over = {}) {
  const size = { ...(SIZES[mode] || SIZES.full), ...over }
  const dir = await buildApp(log)
  const redis = await startRedis()
  const backend = await startBackend({ ACCESS_TTL: 86400 })
  let servers = []
  try {
    await backend.faults({ me: { latencyMs: 20 } })
    const { token } = await backend.mint({ sub: '1', ttl: 86400 })
    const cookie = `userToken=${token}`
    const env = { API_BASE_URL: backend.url, REDIS_URL: redis.url }
    servers = await startServers(dir, env, cookie, size.procs, log)
    await sleep(500)
    return await fn({ servers, backend, redis, cookie, size, log })
  } finally {
    for (const s of servers) await s.stop()
    await redis.stop()
    await backend.stop()
  }
}

export async function run({ mode, log }) {
  return withServers(mode, log, async (ctx) => {
    const alt = await alternate(ctx)
    const m = await sequential(ctx)
    if (mode === 'smoke') smokeChecks(m, alt)
    return report(m, alt, ctx.size)
  })
}

const said = (j) =>
  `${j.verdict === 'met' ? 'met' : `**${j.verdict}**`} (median ×${summarize(j.values).median.toFixed(3)}, ` +
  `its ${Math.round(j.coverage * 100)} % interval ×${j.low.toFixed(3)}–${j.high.toFixed(3)})`
const judged = (values, limit, better) => ({ ...judge(values, limit, better), values })

/**
 * The verdict on the targets: the same-process alternation decides; the sequential runs are shown
 * beside. Under the paced load every variant serves the same rate, so throughput is judged as the
 * capacity CPU per request leaves a CPU-bound server (1 ÷ the CPU ratio, per round).
 */
function verdictOf(m, alt, size) {
  const r = ratiosOf(alt)
  const t = Object.fromEntries(
    [TWIN, ...JUDGED].map((v) => [
      v,
      {
        cpu: judged(r[v].cpu, 1.03, 'below'),
        cap: judged(
          r[v].cpu.map((x) => 1 / x),
          0.97,
          'above',
        ),
      },
    ]),
  )
  const per = (k) => m.b[k].map((x, i) => x / m.a[k][i])
  const seqCpu = judged(per('cpu'), 1.03, 'below')
  const seqRps = judged(per('rps'), 0.97, 'above')
  const label = {
    b: '(b), default 2 s TTL',
    e: '(e), local JWT verification',
    f: '(f), 1-hour TTL',
    r: '(r), 1-hour TTL with the Redis store',
  }
  const redisPerK = summarize([...m.r.redis, ...alt.redis]).max
  const aa = t[TWIN].cpu
  const n = aa.values.length
  const text =
    `Targets for a warm token against the empty proxy (the baseline of (a) and its twin (A) in the same process), ` +
    `from ${size.rounds} rounds in each of ${size.procs} processes (${n} values per ratio): server CPU per request ` +
    `≤ ×1.03 and throughput (capacity, 1 ÷ CPU per request) ≥ ×0.97. The calibration, (A)/(a): ` +
    `median ×${summarize(aa.values).median.toFixed(3)}, its ${Math.round(aa.coverage * 100)} % interval ` +
    `×${aa.low.toFixed(3)}–${aa.high.toFixed(3)} (rounds ×${summarize(aa.values).min.toFixed(3)}–` +
    `${summarize(aa.values).max.toFixed(3)}). ` +
    TARGETED.map((v) => `${label[v]}: CPU ${said(t[v].cpu)}, capacity ${said(t[v].cap)}. `).join(
      '',
    ) +
    `(r) sent at most ${redisPerK.toFixed(2)} Redis commands per 1000 requests in any measured run ` +
    `(cache hits must send none). The ${size.reps} sequential closed-loop runs alone, (b): CPU ${said(seqCpu)}, ` +
    `req/s ${said(seqRps)}.`
  return { t, text }
}

function mainTable(m) {
  const variants = Object.keys(NAMES)
  return {
    columns: [
      'variant',
      'server CPU per request',
      'vs (a)',
      'req/s',
      'vs (a)',
      'p50',
      'vs (a)',
      'p99',
      'vs (a)',
      'backend calls / 1000 req',
      'Redis commands / 1000 req',
      'errors + non-2xx',
    ],
    rows: variants.map((v) => [
      NAMES[v],
      fmt(summarize(m[v].cpu), 3, ' ms'),
      fmtRatio(ratios(m[v].cpu, m.a.cpu)),
      fmt(summarize(m[v].rps), 3),
      fmtRatio(ratios(m[v].rps, m.a.rps)),
      fmt(summarize(m[v].p50), 3, ' ms'),
      fmtRatio(ratios(m[v].p50, m.a.p50)),
      fmt(summarize(m[v].p99), 3, ' ms'),
      fmtRatio(ratios(m[v].p99, m.a.p99)),
      fmt(summarize(m[v].calls), 3),
      v === 'r' ? fmt(summarize(m[v].redis), 3) : '—',
      fmt(summarize(m[v].errors), 3),
    ]),
  }
}

function jointTable(t, size) {
  const rows = [
    [
      '(A) ÷ (a): two NextResponse.next() only proxies in one process (calibration)',
      'server CPU per request',
      t[TWIN].cpu,
      '—',
    ],
  ]
  for (const v of JUDGED) {
    rows.push([NAMES[v], 'server CPU per request', t[v].cpu, '≤ ×1.03'])
    rows.push([NAMES[v], 'capacity (1 ÷ CPU per request)', t[v].cap, '≥ ×0.97'])
  }
  return {
    caption: `Same-process alternation: variant ÷ baseline (geometric mean of (a) and its twin (A) in the same process and round), slots of ${size.slotSecs} s at ${size.rate} requests/s, ${size.rounds} rounds in each of ${size.procs} processes; (A)/(a) is the calibration`,
    columns: [
      'variant',
      'figure',
      'ratio median (min–max)',
      "median's interval",
      'target',
      'verdict',
    ],
    rows: rows.map(([variant, name, j, limit], i) => {
      const ref = REFERENCE.some((v) => NAMES[v] === variant)
      return [
        variant,
        name,
        fmtRatio(summarize(j.values)),
        `×${j.low.toFixed(3)}–${j.high.toFixed(3)} (${Math.round(j.coverage * 100)} %)`,
        i === 0 || ref ? '—' : limit,
        i === 0 ? 'calibration' : ref ? 'reference' : j.verdict,
      ]
    }),
  }
}

function intro(size, verdict) {
  return (
    '`next start` (production build of bench/app) against GET /dashboard, a tiny ' +
    'dynamic route handler that gets the user the way an app does: behind our proxy it calls ' +
    "`getServerUser({ request })`, behind (d) it reads that proxy's header, behind (a), (g), (h) it reads " +
    'nothing. One valid user token; the demo backend answers /auth/me after 20 ms; (r) uses a real ' +
    'redis-server on 127.0.0.1, its commands counted with `INFO commandstats` around each round. ' +
    '(b) uses the defaults (cache ttl 2 s), so a warm token is re-validated about every ' +
    '2 s. (c) still coalesces concurrent validations of the same token. (e) verifies the JWT in the engine ' +
    '(`validate.mode: local`, HS256) and never calls /auth/me. (f) keeps the token for an hour, so it is ' +
    "never re-validated in the run; (k) is (f) with `userHeader: 'always'` (the signed `x-auth-user` and " +
    '`x-auth-user-sig` request headers on every request with a session), (r) is (f) with the Redis store. ' +
    'The references show what any proxy pays: (g) an async proxy that returns `NextResponse.next()`, (h) ' +
    "Next.js's own `NextResponse.next({ request: { headers } })` adding two headers the size of ours (96 and " +
    '43 characters), i.e. the cost of passing the user as a request header. ' +
    "The primary figure is server CPU per request: the `next start` process's on-CPU time (all its threads, " +
    '`/proc/<pid>/task/*/schedstat`) over a slot divided by the requests served in it. ' +
    `**Same-process alternation decides the targets:** each of ${size.procs} \`next start\` processes holds every ` +
    'variant, built when its proxy module loads, plus (A), a second empty proxy identical to (a); a request to ' +
    '`/bench-variant?v=…` (one path comparison per request, the same for every variant) switches which one ' +
    "answers, and leaves only that variant's engine where `getServerUser()` looks. A round is a slot of " +
    `${size.slotSecs} s per variant in a shuffled order and then again in the reverse order (a drift within ` +
    `the round cancels), each slot an evenly paced open-loop load of ${size.rate} requests/s (up to 8 keep-alive ` +
    'connections, from a load generator in a process of its own); the processes run at once, each its own order. ' +
    "A variant's ratio in a round is its CPU per request over the geometric mean of (a)'s and (A)'s in the same " +
    `process and round; each process's round is one value (${size.rounds} measured rounds each, after ` +
    `${size.warmCycles} closed-loop cycle(s) through every variant and one uncounted round: JIT warm-up takes ` +
    '60–90 s of load, and no variant is warmed and then left idle). Why: with one server per variant (the ' +
    'protocol before, every server paced at once) identical empty-proxy servers sat up to ±3 % apart for a ' +
    "whole run, where that process's JIT and heap happened to settle (published calibration ×0.96, 97 % " +
    'interval 0.937–1.002), which no number of rounds removes and which left three of four targets ' +
    'undecidable; in one process that offset is common to every variant and cancels. (A)/(a) is this ' +
    'run\'s own calibration: what "no difference" looks like. Since every variant serves the same rate, ' +
    'throughput is judged as capacity, 1 ÷ the CPU ratio of the round (a CPU-bound Node.js server serves at ' +
    'most one request per CPU time of one); closed-loop req/s is in the per-variant table. ' +
    `**Sequential runs fill the per-variant table:** autocannon with ${CONNECTIONS} connections for ` +
    `${size.duration} s per run against the first process, switched to each variant in turn, ${size.reps} run(s) per ` +
    'variant after the rounds; their ratios are per run against (a) in the same round (shown, not judged). ' +
    'A target counts as met or missed only when the median ' +
    "ratio's distribution-free interval (order statistics) lies on one side of it; otherwise this run " +
    `cannot decide it. ${verdict}`
  )
}

function plots(m) {
  const rel = (k) =>
    Object.keys(NAMES).map((v) => {
      const s = ratios(m[v][k], m.a[k])
      return { label: NAMES[v], ...s, text: fmtRatio(s).split(' ')[0] }
    })
  return [
    {
      file: 'proxy-cpu.svg',
      alt: 'server CPU per request relative to (a)',
      svg: barChart({
        title: 'Server CPU time per request relative to (a) (lower is better)',
        unit: 'CPU ms per request ÷ that of (a), same round',
        groups: [{ label: '', bars: rel('cpu') }],
        refLine: 1,
      }),
    },
    {
      file: 'proxy-throughput.svg',
      alt: 'requests per second relative to (a)',
      svg: barChart({
        title: 'Throughput relative to (a) NextResponse.next() (higher is better)',
        unit: 'req/s ÷ req/s of (a), same round',
        groups: [{ label: '', bars: rel('rps') }],
        refLine: 1,
      }),
    },
    {
      file: 'proxy-latency.svg',
      alt: 'latency relative to (a)',
      svg: barChart({
        title: 'Latency relative to (a) (lower is better)',
        unit: 'latency ÷ latency of (a), same round',
        log: true,
        groups: [
          { label: 'p50', bars: rel('p50') },
          { label: 'p99', bars: rel('p99') },
        ],
      }),
    },
  ]
}

function report(m, alt, size) {
  const { t, text } = verdictOf(m, alt, size)
  return {
    title,
    verdict: text,
    intro: intro(size, text),
    tables: [mainTable(m), jointTable(t, size)],
    plots: plots(m),
    data: { ...m, alternation: alt },
  }
}
