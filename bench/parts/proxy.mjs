// Proxy overhead in a real server: the bench app under `next start`, loaded over loopback with
// autocannon at fixed concurrency, the demo backend answering /auth/me after 20 ms. Six
// variants of one build: (a) NextResponse.next() only, (b) createAuthProxy warm, (c) the same
// with the cache disabled, (d) the seed-style plain-JS proxy (BASELINE, bench/app/seed-proxy.mjs), (e) createAuthProxy
// with local JWT verification (validate.mode local), (f) createAuthProxy warm with a 10-minute cache
// TTL (never re-validated during the run).
import { buildApp, cpuMs, startApp } from '../lib/app.mjs'
import { require, startBackend } from '../lib/common.mjs'
import { fmt, fmtRatio, judge, ratios, summarize } from '../lib/stats.mjs'
import { barChart } from '../lib/svg.mjs'

export const title = 'Proxy overhead in a real Next.js server'

const NAMES = {
  a: '(a) NextResponse.next() only',
  b: '(b) createAuthProxy, warm cache',
  c: '(c) createAuthProxy, cache off',
  e: '(e) createAuthProxy, local JWT verification',
  d: '(d) seed-style JS proxy (baseline)',
  f: '(f) createAuthProxy, warm cache, 10-minute TTL',
}

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

export async function run({ mode, log }) {
  const connections = 16
  const duration = mode === 'quick' ? 4 : 5
  // Sequential rounds for every variant; the targets are judged on the paired rounds below.
  const reps = mode === 'quick' ? 3 : 5
  const dir = await buildApp(log)
  const backend = await startBackend({ ACCESS_TTL: 86400 })
  const servers = {}
  try {
    await backend.faults({ me: { latencyMs: 20 } })
    const { token } = await backend.mint({ sub: '1', ttl: 86400 })
    const cookie = `userToken=${token}`
    for (const v of Object.keys(NAMES)) {
      servers[v] = await startApp(dir, { BENCH_VARIANT: v, API_BASE_URL: backend.url })
      const res = await fetch(`${servers[v].url}/dashboard`, { headers: { cookie } })
      const body = await res.json()
      if (body.variant !== v || body.user !== (v !== 'a')) {
        throw new Error(
          `proxy: variant ${v} answered ${JSON.stringify(body)} (status ${res.status})`,
        )
      }
      await load(servers[v].url, cookie, connections, 2) // warm-up (JIT, connections, cache)
      await new Promise((r) => setTimeout(r, 1000))
    }
    const variants = Object.keys(NAMES)
    const m = Object.fromEntries(
      variants.map((v) => [v, { rps: [], p50: [], p99: [], calls: [], errors: [], cpu: [] }]),
    )
    for (let r = 0; r < reps; r++) {
      for (let i = 0; i < variants.length; i++) {
        const v = variants[(i + r) % variants.length]
        const before = await backend.count('GET /auth/me')
        const cpu0 = cpuMs(servers[v].pid)
        const res = await load(servers[v].url, cookie, connections, duration)
        const cpu1 = cpuMs(servers[v].pid)
        await new Promise((r) => setTimeout(r, 1000)) // let queued requests drain before counting
        const calls = (await backend.count('GET /auth/me')) - before
        const total = res.requests.total
        m[v].rps.push(res.requests.average)
        m[v].p50.push(res.latency.p50)
        m[v].p99.push(res.latency.p99)
        m[v].calls.push((calls * 1000) / Math.max(total, 1))
        m[v].errors.push(res.errors + res.timeouts + res.non2xx)
        m[v].cpu.push((cpu1 - cpu0) / Math.max(total, 1))
        log(
          `  ${NAMES[v]}: ${Math.round(res.requests.average)} req/s, p50 ${res.latency.p50} ms, p99 ${res.latency.p99} ms, ${calls} backend calls, ${((cpu1 - cpu0) / Math.max(res.requests.total, 1)).toFixed(2)} ms CPU/req`,
        )
      }
    }
    // Paired rounds: (a) and one of ours loaded at the same time, half the connections each, so
    // both see the same machine at every moment and a round's ratio carries no drift between
    // runs. (b), (e) and (f) take turns.
    const PAIRED = ['b', 'e', 'f']
    const pair = Object.fromEntries(PAIRED.map((v) => [v, { cpu: [], rps: [] }]))
    // 11 paired rounds per variant: the median's interval is the 2nd to 10th (99 %).
    const pairRounds = mode === 'quick' ? 3 : 11
    for (let r = 0; r < pairRounds; r++) {
      for (let i = 0; i < PAIRED.length; i++) {
        const v = PAIRED[(i + r) % PAIRED.length]
        const c0 = [cpuMs(servers.a.pid), cpuMs(servers[v].pid)]
        const [ra, rv] = await Promise.all(
          ['a', v].map((x) => load(servers[x].url, cookie, connections / 2, duration)),
        )
        const c1 = [cpuMs(servers.a.pid), cpuMs(servers[v].pid)]
        const perReq = (i, res) => (c1[i] - c0[i]) / Math.max(res.requests.total, 1)
        pair[v].cpu.push(perReq(1, rv) / perReq(0, ra))
        pair[v].rps.push(rv.requests.average / ra.requests.average)
        log(
          `  paired round ${r + 1}: (${v})/(a) CPU per request ×${pair[v].cpu.at(-1).toFixed(3)}, req/s ×${pair[v].rps.at(-1).toFixed(3)}`,
        )
        await new Promise((r) => setTimeout(r, 500))
      }
    }
    const rows = variants.map((v) => [
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
      fmt(summarize(m[v].errors), 3),
    ])
    const rel = (k) =>
      variants.map((v) => {
        const s = ratios(m[v][k], m.a[k])
        return { label: NAMES[v], ...s, text: fmtRatio(s).split(' ')[0] }
      })
    // The verdict needs the median's interval on one side of the limit; the paired rounds
    // decide, the sequential ones are shown beside them.
    const per = (k) => m.b[k].map((x, i) => x / m.a[k][i])
    const said = (j) =>
      `${j.verdict === 'met' ? 'met' : `**${j.verdict}**`} (median ×${summarize(j.values).median.toFixed(3)}, ` +
      `its ${Math.round(j.coverage * 100)} % interval ×${j.low.toFixed(3)}–${j.high.toFixed(3)})`
    const judged = (values, limit, better) => ({ ...judge(values, limit, better), values })
    const target = (v) => ({
      cpu: judged(pair[v].cpu, 1.03, 'below'),
      rps: judged(pair[v].rps, 0.97, 'above'),
    })
    const tb = target('b')
    const te = target('e')
    const tf = target('f')
    const seqCpu = judged(per('cpu'), 1.03, 'below')
    const seqRps = judged(per('rps'), 0.97, 'above')
    const verdict =
      `Targets for a warm token against (a), from ${pairRounds} paired rounds each: server CPU per request ` +
      `≤ ×1.03 and throughput ≥ ×0.97. (b), default 2 s TTL: CPU ${said(tb.cpu)}, throughput ${said(tb.rps)}. ` +
      `(e), local JWT verification: CPU ${said(te.cpu)}, throughput ${said(te.rps)}. ` +
      `(f), 10-minute TTL: CPU ${said(tf.cpu)}, throughput ${said(tf.rps)}. The ${reps} sequential rounds ` +
      `alone, (b): CPU ${said(seqCpu)}, throughput ${said(seqRps)}.`
    return {
      title,
      verdict,
      intro:
        `\`next start\` (production build of bench/app, one build, variant chosen by env at start), ` +
        `autocannon with ${connections} connections for ${duration} s per run against GET /dashboard (a tiny ` +
        'dynamic route handler) with one valid user token; the demo backend answers /auth/me after 20 ms. ' +
        `${reps} run(s) per variant, variants alternating, each server warmed for 2 s first. Ratios are per run ` +
        'against (a) measured in the same round. (b) uses the defaults (cache ttl 2 s), so a warm token is ' +
        're-validated about every 2 s. (c) still coalesces concurrent validations of the same token. ' +
        '(e) verifies the JWT in the engine (`validate.mode: local`, HS256) and never calls /auth/me. (f) keeps ' +
        'the token for 10 minutes, so it is never re-validated in the run. ' +
        "The primary figure is server CPU per request: the `next start` process tree's user + system time over " +
        'the run divided by the requests served; unlike req/s it hardly moves when other work shares the ' +
        'machine. The targets are judged on paired rounds: (a) and one of (b), (e), (f) loaded at the same time with ' +
        `${connections / 2} connections each for ${duration} s, so both see the same machine and a round's ratio ` +
        "carries no drift between runs. A target counts as met or missed only when the median ratio's " +
        'distribution-free ~96 % interval (order statistics) lies on one side of it; otherwise this run cannot ' +
        'decide it. ' +
        verdict,
      tables: [
        {
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
            'errors + non-2xx',
          ],
          rows,
        },
        {
          caption: `Paired rounds: ours ÷ (a), both loaded at the same time (${pairRounds} rounds each)`,
          columns: [
            'variant',
            'figure',
            'ratio median (min–max)',
            "median's interval",
            'target',
            'verdict',
          ],
          rows: [
            [NAMES.b, 'server CPU per request', tb.cpu, '≤ ×1.03'],
            [NAMES.b, 'throughput (req/s)', tb.rps, '≥ ×0.97'],
            [NAMES.e, 'server CPU per request', te.cpu, '≤ ×1.03'],
            [NAMES.e, 'throughput (req/s)', te.rps, '≥ ×0.97'],
            [NAMES.f, 'server CPU per request', tf.cpu, '≤ ×1.03'],
            [NAMES.f, 'throughput (req/s)', tf.rps, '≥ ×0.97'],
          ].map(([variant, name, j, limit]) => [
            variant,
            name,
            fmtRatio(summarize(j.values)),
            `×${j.low.toFixed(3)}–${j.high.toFixed(3)} (${Math.round(j.coverage * 100)} %)`,
            limit,
            j.verdict,
          ]),
        },
      ],
      plots: [
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
      ],
      data: { ...m, paired: pair },
    }
  } finally {
    for (const s of Object.values(servers)) await s.stop()
    await backend.stop()
  }
}
