// Proxy overhead in a real server: the bench app under `next start`, loaded over loopback with
// autocannon at fixed concurrency, the demo backend answering /auth/me after 20 ms, a real
// redis-server for the store variant. One build, one server per variant (bench/app/proxy.js
// lists them); the route asks getServerUser for the user behind our proxy, as an app does.
// Paired rounds (a twin of (a) and one other loaded at the same time) decide the targets for
// (b), (e), (f), (r) and show (g), (h), (k) for reference; sequential rounds over every variant
// then fill the per-variant table.
import path from 'node:path'
import { buildApp, cpuMs, startApp } from '../lib/app.mjs'
import { ROOT, redisCommands, require, startBackend } from '../lib/common.mjs'
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
  f: '(f) createAuthProxy, warm cache, 10-minute TTL',
  k: "(k) (f) with userHeader: 'always'",
  r: '(r) (f) with the Redis store',
  d: '(d) seed-style JS proxy (baseline)',
}
// Our proxy: the route gets the user from getServerUser. (d) passes one in its own header.
const WITH_USER = new Set(['b', 'c', 'e', 'f', 'k', 'r', 'd'])
const TARGETED = ['b', 'e', 'f', 'r']
const REFERENCE = ['g', 'h', 'k']
const PAIRED = [...TARGETED, ...REFERENCE]

const SIZES = {
  // 11 paired rounds: the median's interval is the 2nd to 10th (99 %). 3 sequential rounds keep
  // the part near 12 minutes on 2 cores; they are shown, the paired rounds decide.
  full: { duration: 4, warmup: 6, reps: 3, pairRounds: 11, pairWarmup: 5, pause: 500, twins: true },
  quick: { duration: 3, warmup: 3, reps: 2, pairRounds: 3, pairWarmup: 2, pause: 500, twins: true },
  // Checks that every variant answers right and survives load; no figure is worth reading.
  smoke: {
    duration: 1,
    warmup: 1,
    reps: 1,
    pairRounds: 1,
    pairWarmup: 1,
    pause: 200,
    twins: false,
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

function startRedis() {
  const { startRedis: start } = require(path.join(ROOT, '__test__/helpers/redis.js'))
  return start().catch((err) => {
    throw new Error(
      `proxy: variant (r) needs a real redis-server: ${err.message}. On Debian: apt-get install redis-server`,
    )
  })
}

/** (a)'s twin for the paired rounds of `v`: a server of its own, see `paired`. */
const twin = (v) => `a-for-${v}`

/**
 * Starts one server per variant, plus a twin of (a) per paired variant, and checks each runs
 * its variant and passes the user as it should.
 */
async function startServers(dir, env, cookie, size, log) {
  const servers = {}
  // The smoke pairs every variant with (a) itself: its figures are not read, and 7 servers fewer
  // keep it short.
  const wanted = [...Object.keys(NAMES), ...(size.twins ? PAIRED.map(twin) : [])]
  try {
    for (const key of wanted) {
      const v = key.startsWith('a-for-') ? 'a' : key
      servers[key] = await startApp(dir, { ...env, BENCH_VARIANT: v })
      const res = await fetch(`${servers[key].url}/dashboard`, { headers: { cookie } })
      const text = await res.text()
      let body
      try {
        body = JSON.parse(text)
      } catch {
        body = text.slice(0, 300)
      }
      if (res.status !== 200 || body.variant !== v || body.user !== WITH_USER.has(v)) {
        throw new Error(
          `proxy: variant ${v} answered ${JSON.stringify(body)} (status ${res.status}); server log:\n${servers[key].log().slice(-2000)}`,
        )
      }
      await load(servers[key].url, cookie, CONNECTIONS, size.warmup) // warm-up (JIT, connections, cache)
      log(
        `  ${key === v ? NAMES[v] : `(a) for the paired rounds of (${key.slice(6)})`}: started, answers right`,
      )
    }
  } catch (err) {
    for (const s of Object.values(servers)) await s.stop()
    throw err
  }
  return servers
}

/** Each variant loaded on its own, variants alternating: the per-variant table. */
async function sequential(ctx) {
  const { servers, backend, redis, cookie, size, log } = ctx
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
      const before = await backend.count('GET /auth/me')
      const redis0 = await redisCommands(redis.port)
      const cpu0 = cpuMs(servers[v].pid)
      const res = await load(servers[v].url, cookie, CONNECTIONS, size.duration)
      const cpu1 = cpuMs(servers[v].pid)
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

/**
 * Paired rounds: (a) and one other loaded at the same time, half the connections each, so both
 * see the same machine at every moment and a round's ratio carries no drift between runs. One
 * block of rounds per variant, against a twin of (a) started and warmed with the others: a
 * `next start` server that sat idle while others were measured pays more for its first few
 * seconds of requests, and a single (a), loaded in every block, never sat idle; the twins give
 * both sides of a pair the same history. An uncounted paired load opens each block.
 */
async function paired(ctx) {
  const { servers, redis, cookie, size, log } = ctx
  const pair = Object.fromEntries(PAIRED.map((v) => [v, { cpu: [], rps: [], redis: [] }]))
  for (const v of PAIRED) {
    const a = servers[twin(v)] || servers.a
    const both = (duration) =>
      Promise.all([a, servers[v]].map((x) => load(x.url, cookie, CONNECTIONS / 2, duration)))
    await both(size.pairWarmup)
    for (let r = 0; r < size.pairRounds; r++) {
      const redis0 = await redisCommands(redis.port)
      const c0 = [cpuMs(a.pid), cpuMs(servers[v].pid)]
      const [ra, rv] = await both(size.duration)
      const c1 = [cpuMs(a.pid), cpuMs(servers[v].pid)]
      const perReq = (j, res) => (c1[j] - c0[j]) / Math.max(res.requests.total, 1)
      pair[v].cpu.push(perReq(1, rv) / perReq(0, ra))
      pair[v].rps.push(rv.requests.average / ra.requests.average)
      await sleep(size.pause / 2)
      const redisCalls = (await redisCommands(redis.port)) - redis0
      pair[v].redis.push((redisCalls * 1000) / Math.max(rv.requests.total, 1))
      log(
        `  paired round ${r + 1}: (${v})/(a) CPU per request ×${pair[v].cpu.at(-1).toFixed(3)}, req/s ×${pair[v].rps.at(-1).toFixed(3)}`,
      )
    }
  }
  return pair
}

/** The smoke's checks: every variant served its load without errors; cache hits left Redis alone. */
function smokeChecks(m, pair) {
  for (const [v, x] of Object.entries(m)) {
    if (x.errors.some((e) => e > 0))
      throw new Error(`proxy: ${NAMES[v]} had errors under load: ${x.errors}`)
  }
  const redisTouched = [...m.r.redis, ...pair.r.redis].some((c) => c > 0)
  if (redisTouched) throw new Error('proxy: (r) sent Redis commands on cache hits')
}

export async function run({ mode, log }) {
  const size = SIZES[mode] || SIZES.full
  const dir = await buildApp(log)
  const redis = await startRedis()
  const backend = await startBackend({ ACCESS_TTL: 86400 })
  let servers = {}
  try {
    await backend.faults({ me: { latencyMs: 20 } })
    const { token } = await backend.mint({ sub: '1', ttl: 86400 })
    const cookie = `userToken=${token}`
    const env = { API_BASE_URL: backend.url, REDIS_URL: redis.url }
    servers = await startServers(dir, env, cookie, size, log)
    await sleep(1000)
    const ctx = { servers, backend, redis, cookie, size, log }
    // Paired first: every server comes to its block from the same warm-up and idle time.
    const pair = await paired(ctx)
    const m = await sequential(ctx)
    if (mode === 'smoke') smokeChecks(m, pair)
    return report(m, pair, size)
  } finally {
    for (const s of Object.values(servers)) await s.stop()
    await redis.stop()
    await backend.stop()
  }
}

const said = (j) =>
  `${j.verdict === 'met' ? 'met' : `**${j.verdict}**`} (median ×${summarize(j.values).median.toFixed(3)}, ` +
  `its ${Math.round(j.coverage * 100)} % interval ×${j.low.toFixed(3)}–${j.high.toFixed(3)})`
const judged = (values, limit, better) => ({ ...judge(values, limit, better), values })

/** The verdict on the targets: the paired rounds decide; the sequential ones are shown beside. */
function verdictOf(m, pair, size) {
  const t = Object.fromEntries(
    PAIRED.map((v) => [
      v,
      { cpu: judged(pair[v].cpu, 1.03, 'below'), rps: judged(pair[v].rps, 0.97, 'above') },
    ]),
  )
  const per = (k) => m.b[k].map((x, i) => x / m.a[k][i])
  const seqCpu = judged(per('cpu'), 1.03, 'below')
  const seqRps = judged(per('rps'), 0.97, 'above')
  const label = {
    b: '(b), default 2 s TTL',
    e: '(e), local JWT verification',
    f: '(f), 10-minute TTL',
    r: '(r), 10-minute TTL with the Redis store',
  }
  const redisPerK = summarize([...m.r.redis, ...pair.r.redis]).max
  const text =
    `Targets for a warm token against (a), from ${size.pairRounds} paired rounds each: server CPU per request ` +
    `≤ ×1.03 and throughput ≥ ×0.97. ` +
    TARGETED.map((v) => `${label[v]}: CPU ${said(t[v].cpu)}, throughput ${said(t[v].rps)}. `).join(
      '',
    ) +
    `(r) sent at most ${redisPerK.toFixed(2)} Redis commands per 1000 requests in any measured run ` +
    `(cache hits must send none). The ${size.reps} sequential rounds alone, (b): CPU ${said(seqCpu)}, ` +
    `throughput ${said(seqRps)}.`
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

function pairedTable(t, size) {
  const rows = []
  for (const v of PAIRED) {
    rows.push([NAMES[v], 'server CPU per request', t[v].cpu, '≤ ×1.03'])
    rows.push([NAMES[v], 'throughput (req/s)', t[v].rps, '≥ ×0.97'])
  }
  return {
    caption: `Paired rounds: variant ÷ (a), both loaded at the same time (${size.pairRounds} rounds each)`,
    columns: [
      'variant',
      'figure',
      'ratio median (min–max)',
      "median's interval",
      'target',
      'verdict',
    ],
    rows: rows.map(([variant, name, j, limit]) => {
      const ref = REFERENCE.some((v) => NAMES[v] === variant)
      return [
        variant,
        name,
        fmtRatio(summarize(j.values)),
        `×${j.low.toFixed(3)}–${j.high.toFixed(3)} (${Math.round(j.coverage * 100)} %)`,
        ref ? '—' : limit,
        ref ? 'reference' : j.verdict,
      ]
    }),
  }
}

function intro(size, verdict) {
  return (
    `\`next start\` (production build of bench/app, one build, variant chosen by env at start), ` +
    `autocannon with ${CONNECTIONS} connections for ${size.duration} s per run against GET /dashboard, a tiny ` +
    'dynamic route handler that gets the user the way an app does: behind our proxy it calls ' +
    "`getServerUser({ request })`, behind (d) it reads that proxy's header, behind (a), (g), (h) it reads " +
    'nothing. One valid user token; the demo backend answers /auth/me after 20 ms; (r) uses a real ' +
    'redis-server on 127.0.0.1, its commands counted with `INFO commandstats` around each run. ' +
    `${size.reps} sequential run(s) per variant (a full run does 3, fewer than the paired rounds, to keep the part ` +
    'near 12 minutes on 2 cores), ' +
    `variants alternating, each server warmed for ${size.warmup} s at start; their ratios are per run against ` +
    '(a) in the same round. (b) uses the defaults (cache ttl 2 s), so a warm token is re-validated about every ' +
    '2 s. (c) still coalesces concurrent validations of the same token. (e) verifies the JWT in the engine ' +
    '(`validate.mode: local`, HS256) and never calls /auth/me. (f) keeps the token for 10 minutes, so it is ' +
    "never re-validated in the run; (k) is (f) with `userHeader: 'always'` (the signed `x-auth-user` and " +
    '`x-auth-user-sig` request headers on every request with a session), (r) is (f) with the Redis store. ' +
    'The references show what any proxy pays: (g) an async proxy that returns `NextResponse.next()`, (h) ' +
    "Next.js's own `NextResponse.next({ request: { headers } })` adding two headers the size of ours (96 and " +
    '43 characters), i.e. the cost of passing the user as a request header. ' +
    "The primary figure is server CPU per request: the `next start` process tree's user + system time over " +
    'the run divided by the requests served; unlike req/s it hardly moves when other work shares the ' +
    'machine. The targets are judged on paired rounds: (a) and one of the others loaded at the same time ' +
    `with ${CONNECTIONS / 2} connections each for ${size.duration} s, so both see the same machine and a ` +
    "round's ratio carries no drift between runs. The rounds of one variant run in one block, after " +
    `${size.pairWarmup} s of uncounted paired load, against a twin of (a) of its own, started and warmed with ` +
    'the others: a `next start` server that sat idle while others were measured pays more for its first ' +
    'seconds of requests (a single (a), loaded in every block, made an async passthrough (g) look up to ' +
    '×2.6 in CPU per request, decaying over the rounds of its block), so both sides of a pair have the same ' +
    'history. The paired blocks run before the sequential rounds. A target counts as met or missed only when the median ' +
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

function report(m, pair, size) {
  const { t, text } = verdictOf(m, pair, size)
  return {
    title,
    verdict: text,
    intro: intro(size, text),
    tables: [mainTable(m), pairedTable(t, size)],
    plots: plots(m),
    data: { ...m, paired: pair },
  }
}
