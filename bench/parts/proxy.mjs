// Proxy overhead in a real server: the bench app under `next start`, loaded over loopback with
// autocannon at fixed concurrency, the demo backend answering /auth/me after 20 ms, a real
// redis-server for the store variant. One build, one server per variant (bench/app/proxy.js
// lists them); the route asks getServerUser for the user behind our proxy, as an app does.
// Joint rounds (every targeted and reference server, (a) and a second (a), all loaded at once at
// the same paced request rate) decide the targets for (b), (e), (f), (r), show (g), (h), (k) for
// reference and (a')/(a) as the calibration; sequential rounds over every variant then fill the
// per-variant table.
//
// Why this protocol (an A/A calibration, two or more identical (a) servers measured under
// candidate protocols interleaved round by round, load average 4–14 from other work on the 2-core
// machine): the SD of a round's log CPU-per-request ratio was 11–14 % for the old closed-loop
// pairs (8 connections each, 4 s; the same with the load generator in a process of its own), 8–9 %
// with both servers pinned to one core, 16 % for alternating A B B A rounds of a fixed request
// count, 5–6 % at a fixed autocannon rate (bursts at each second), 3.7–4.2 % at an evenly paced
// open-loop rate of 150/s per pair and ~3 % (pairwise median; 2–7 %) with nine servers paced at
// 50/s each for 15 s. In closed loop a round's ratio follows the share of the machine each server
// happened to get (the one served more made each request cheaper, rps ratios ran 0.6–1.8), so the
// same rate for everyone removes the largest part; loading all servers at once gives every
// variant all the rounds. A full GC before each round (SIGUSR2 preload) cut the spread a little
// but made every request ~30 % dearer after it (V8 shrinks the young generation), so it is out.
// Ticks of /proc/<pid>/stat and schedstat's ns gave the same spread; schedstat is kept.
// bench/calibrate-proxy.mjs re-runs the comparison.
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
const JOINT = [...TARGETED, ...REFERENCE]
// The second (a) of the joint rounds: (a')/(a) is what "no difference" looks like in a run.
const TWIN = "a'"

const SIZES = {
  // 21 joint rounds: the median's interval is the 6th to 16th (96 %). 9 servers at 50 requests/s
  // each is ~0.7 of a core of server work plus the load generator's. 3 sequential rounds keep the
  // part near 12 minutes on 2 cores; they are shown, the joint rounds decide.
  full: {
    duration: 4,
    reps: 3,
    rounds: 21,
    roundSecs: 15,
    rate: 50,
    jointWarmup: 45,
    pause: 500,
  },
  quick: {
    duration: 3,
    reps: 2,
    rounds: 5,
    roundSecs: 6,
    rate: 50,
    jointWarmup: 10,
    pause: 500,
  },
  // Checks that every variant answers right and survives load; no figure is worth reading.
  smoke: {
    duration: 1,
    reps: 1,
    rounds: 1,
    roundSecs: 1,
    rate: 20,
    jointWarmup: 1,
    pause: 200,
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

/**
 * Starts one server per variant, plus a second (a), and checks each runs its variant and passes
 * the user as it should.
 */
async function startServers(dir, env, cookie, log) {
  const servers = {}
  const wanted = [...Object.keys(NAMES), TWIN]
  try {
    for (const key of wanted) {
      const v = key === TWIN ? 'a' : key
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
      // No warm-up here: a server warmed and then left idle while the others start pays more per
      // request for minutes after (see `joint`); all are warmed together once all run.
      log(`  ${key === v ? NAMES[v] : "(a') a second (a)"}: started, answers right`)
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
      const cpu0 = cpuNsOf(servers[v].pid) / 1e6
      const res = await load(servers[v].url, cookie, CONNECTIONS, size.duration)
      const cpu1 = cpuNsOf(servers[v].pid) / 1e6
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
 * Joint rounds: (a), (a') and every targeted and reference variant loaded at once, each at the
 * same evenly paced rate (open loop, from a load generator process of its own), so all see the
 * same machine at every moment and do the same work per second; a round's ratio is a server's
 * CPU per request over the baseline, the geometric mean of (a)'s and (a')'s in the same round
 * (one (a) alone carried its own round-to-round noise into every ratio: in a round where it was
 * dear, every variant looked cheap). Every server is loaded in every round, after an uncounted
 * joint warm-up of all servers, closed-loop and then paced; none is warmed before the others
 * have started: a server warmed and then left idle (here up to ~90 s, while the others started
 * and warmed) paid more per request for minutes after: (a')/(a) medians ×0.93 in two full runs
 * (a started first, a' last), and by hand, after 50 s idle, ×0.87 rising to ×1.0 over six paced
 * rounds of 15 s (the same with the young generation fixed at 16 MB, so not V8 shrinking it). The
 * order in which the servers' loads start rotates by round.
 */
/** Round i's baseline: the geometric mean of (a)'s and (a')'s CPU per request. */
const baseline = (per, i) => Math.sqrt(per.a.cpu[i] * per[TWIN].cpu[i])

async function joint(ctx) {
  const { servers, redis, cookie, size, log } = ctx
  const keys = ['a', TWIN, ...JOINT]
  const per = Object.fromEntries(keys.map((k) => [k, { cpu: [], rps: [], p50: [], errors: [] }]))
  const redisPerK = []
  const lg = startLoadgen()
  try {
    const job = (k, secs) => ({
      url: `${servers[k].url}/dashboard`,
      headers: { cookie, accept: 'application/json' },
      connections: 8,
      duration: secs,
      paced: size.rate,
    })
    const all = (order, secs) => lg.run(order.map((k) => job(k, secs)))
    // Every server, (c) and (d) too (the sequential rounds load them), closed loop together.
    await lg.run(
      Object.keys(servers).map((k) => ({
        ...job(k, size.jointWarmup),
        paced: undefined,
        connections: 2,
      })),
    )
    await all(keys, size.roundSecs)
    for (let r = 0; r < size.rounds; r++) {
      const order = keys.map((_, i) => keys[(i + r) % keys.length])
      const redis0 = await redisCommands(redis.port)
      const c0 = Object.fromEntries(keys.map((k) => [k, cpuNsOf(servers[k].pid)]))
      const res = await all(order, size.roundSecs)
      const c1 = Object.fromEntries(keys.map((k) => [k, cpuNsOf(servers[k].pid)]))
      const byKey = Object.fromEntries(order.map((k, i) => [k, res[i]]))
      for (const k of keys) {
        const x = byKey[k]
        per[k].cpu.push((c1[k] - c0[k]) / 1e6 / Math.max(x.total, 1))
        per[k].rps.push(x.rps)
        per[k].p50.push(x.p50)
        per[k].errors.push(x.errors)
      }
      await sleep(size.pause / 2)
      const redisCalls = (await redisCommands(redis.port)) - redis0
      redisPerK.push((redisCalls * 1000) / Math.max(byKey.r.total, 1))
      const base = baseline(per, per.a.cpu.length - 1)
      const ratio = (k) => (per[k].cpu.at(-1) / base).toFixed(3)
      log(
        `  joint round ${r + 1}: baseline ${base.toFixed(3)} ms CPU/req at ${per.a.rps.at(-1).toFixed(1)} req/s; ` +
          `(a')/(a) ×${(per[TWIN].cpu.at(-1) / per.a.cpu.at(-1)).toFixed(3)}; CPU per request ÷ baseline: ` +
          JOINT.map((k) => `(${k}) ×${ratio(k)}`).join(', '),
      )
    }
  } finally {
    await lg.stop()
  }
  const vsBase = (k) => per[k].cpu.map((x, i) => x / baseline(per, i))
  const out = Object.fromEntries(JOINT.map((k) => [k, { cpu: vsBase(k) }]))
  out[TWIN] = { cpu: per[TWIN].cpu.map((x, i) => x / per.a.cpu[i]) }
  out.redis = redisPerK
  out.perServer = per
  return out
}

/** The smoke's checks: every variant served its load without errors; cache hits left Redis alone. */
function smokeChecks(m, pair) {
  for (const [v, x] of Object.entries(m)) {
    if (x.errors.some((e) => e > 0))
      throw new Error(`proxy: ${NAMES[v]} had errors under load: ${x.errors}`)
  }
  for (const [k, x] of Object.entries(pair.perServer)) {
    if (x.errors.some((e) => e > 0))
      throw new Error(`proxy: (${k}) had errors under the joint rounds' load: ${x.errors}`)
  }
  const redisTouched = [...m.r.redis, ...pair.redis].some((c) => c > 0)
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
    servers = await startServers(dir, env, cookie, log)
    await sleep(1000)
    const ctx = { servers, backend, redis, cookie, size, log }
    // Joint rounds first, right after every server's warm-up.
    const pair = await joint(ctx)
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

/**
 * The verdict on the targets: the joint rounds decide; the sequential ones are shown beside.
 * Under the paced load every server serves the same rate, so throughput is judged as the capacity
 * CPU per request leaves a CPU-bound server (1 ÷ the CPU ratio, per round).
 */
function verdictOf(m, pair, size) {
  const t = Object.fromEntries(
    [TWIN, ...JOINT].map((v) => [
      v,
      {
        cpu: judged(pair[v].cpu, 1.03, 'below'),
        cap: judged(
          pair[v].cpu.map((x) => 1 / x),
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
  const redisPerK = summarize([...m.r.redis, ...pair.redis]).max
  const aa = t[TWIN].cpu
  const text =
    `Targets for a warm token against the empty proxy (the baseline of (a) and (a')), from ${size.rounds} joint rounds: server CPU per request ` +
    `≤ ×1.03 and throughput (capacity, 1 ÷ CPU per request) ≥ ×0.97. The calibration, (a')/(a): ` +
    `median ×${summarize(aa.values).median.toFixed(3)}, its ${Math.round(aa.coverage * 100)} % interval ` +
    `×${aa.low.toFixed(3)}–${aa.high.toFixed(3)} (rounds ×${summarize(aa.values).min.toFixed(3)}–` +
    `${summarize(aa.values).max.toFixed(3)}). ` +
    TARGETED.map((v) => `${label[v]}: CPU ${said(t[v].cpu)}, capacity ${said(t[v].cap)}. `).join(
      '',
    ) +
    `(r) sent at most ${redisPerK.toFixed(2)} Redis commands per 1000 requests in any measured run ` +
    `(cache hits must send none). The ${size.reps} sequential closed-loop rounds alone, (b): CPU ${said(seqCpu)}, ` +
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
      "(a') ÷ (a): two NextResponse.next() only servers (calibration)",
      'server CPU per request',
      t[TWIN].cpu,
      '—',
    ],
  ]
  for (const v of JOINT) {
    rows.push([NAMES[v], 'server CPU per request', t[v].cpu, '≤ ×1.03'])
    rows.push([NAMES[v], 'capacity (1 ÷ CPU per request)', t[v].cap, '≥ ×0.97'])
  }
  return {
    caption: `Joint rounds: variant ÷ baseline (geometric mean of (a) and (a')), all loaded at once at ${size.rate} requests/s each (${size.rounds} rounds of ${size.roundSecs} s); (a')/(a) is the calibration`,
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
    `\`next start\` (production build of bench/app, one build, one server per variant chosen by env at ` +
    'start, plus a second (a)) against GET /dashboard, a tiny ' +
    'dynamic route handler that gets the user the way an app does: behind our proxy it calls ' +
    "`getServerUser({ request })`, behind (d) it reads that proxy's header, behind (a), (g), (h) it reads " +
    'nothing. One valid user token; the demo backend answers /auth/me after 20 ms; (r) uses a real ' +
    'redis-server on 127.0.0.1, its commands counted with `INFO commandstats` around each run. ' +
    '(b) uses the defaults (cache ttl 2 s), so a warm token is re-validated about every ' +
    '2 s. (c) still coalesces concurrent validations of the same token. (e) verifies the JWT in the engine ' +
    '(`validate.mode: local`, HS256) and never calls /auth/me. (f) keeps the token for an hour, so it is ' +
    "never re-validated in the run; (k) is (f) with `userHeader: 'always'` (the signed `x-auth-user` and " +
    '`x-auth-user-sig` request headers on every request with a session), (r) is (f) with the Redis store. ' +
    'The references show what any proxy pays: (g) an async proxy that returns `NextResponse.next()`, (h) ' +
    "Next.js's own `NextResponse.next({ request: { headers } })` adding two headers the size of ours (96 and " +
    '43 characters), i.e. the cost of passing the user as a request header. ' +
    "The primary figure is server CPU per request: the `next start` process's on-CPU time (all its threads, " +
    '`/proc/<pid>/task/*/schedstat`) over a run divided by the requests served. ' +
    `**Joint rounds decide the targets:** (a), the second (a) (a') and (b), (e), (f), (r), (g), (h), (k) are ` +
    `loaded at once, each with the same evenly paced open-loop rate of ${size.rate} requests/s (up to 8 ` +
    `keep-alive connections each, from a load generator in a process of its own), ${size.rounds} rounds of ` +
    `${size.roundSecs} s after ${size.jointWarmup} s of uncounted closed-loop load of every server at once (2 connections each; ` +
    'no server is warmed before all have started: one warmed and then left idle while the others started cost ' +
    "~7 % more per request for minutes, (a')/(a) ×0.93) " +
    `and one uncounted paced round; a round's ratio is a server's CPU per request over the baseline, the ` +
    "geometric mean of (a)'s and (a')'s in the same round. All see the same machine at every moment and do the " +
    'same work per second: in an A/A calibration on this machine (identical (a) servers, candidate ' +
    "protocols interleaved, load average 4–14 from other work) a round's ratio spread (SD of its log) " +
    '11–14 % when pairs were loaded closed-loop at the same time (8 connections each, as this part did ' +
    'before: the server that got more of the machine served more and made each request cheaper), 8–9 % ' +
    'with both pinned to one core, 16 % for alternating A B B A rounds, 5–6 % at a bursty fixed rate and ' +
    '~3 % paced as here. (a\')/(a) is this run\'s own calibration: what "no difference" looks like between ' +
    'two processes of the same server (a judged ratio, against the mean of two, spreads somewhat less; ' +
    'identical servers also differed by up to ±3 % for a whole run of rounds, which no number of rounds of ' +
    'the same processes removes, so read a verdict within a few % of its target with that in mind). Since ' +
    'every server serves the same rate, throughput is judged as capacity, 1 ÷ the CPU ratio of the round ' +
    '(a CPU-bound Node.js server serves at most one request per CPU time of one); closed-loop req/s is in ' +
    'the per-variant table. ' +
    `**Sequential rounds fill the per-variant table:** autocannon with ${CONNECTIONS} connections for ` +
    `${size.duration} s per run, each variant alone, variants alternating, ${size.reps} run(s) per ` +
    'variant (few, to keep the part near 12 minutes on 2 cores; they are shown, not judged), after the ' +
    'joint rounds; their ratios are per run against (a) in the same round. ' +
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

function report(m, pair, size) {
  const { t, text } = verdictOf(m, pair, size)
  return {
    title,
    verdict: text,
    intro: intro(size, text),
    tables: [mainTable(m), jointTable(t, size)],
    plots: plots(m),
    data: { ...m, paired: pair },
  }
}
