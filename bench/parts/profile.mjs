// Where a request's server CPU goes: `next start` of the bench app under the proxy part's load,
// once with the empty proxy (a) and once with createAuthProxy on a warm token (b), each under
// `node --cpu-prof`. Self time per owner (Next.js, our adapter, the addon, GC...) and the top
// frames by self time, per 1000 requests served, side by side.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp, startApp } from '../lib/app.mjs'
import { require, startBackend } from '../lib/common.mjs'
import { analyse } from '../lib/cpuprofile.mjs'

export const title = 'Where the server CPU goes: CPU profiles of `next start`'

const NAMES = {
  a: '(a) NextResponse.next() only',
  b: '(b) createAuthProxy, warm cache',
}
const TOP = 15

function load(url, cookie, duration) {
  const autocannon = require('autocannon')
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/dashboard`,
        connections: 16,
        duration,
        headers: { cookie, accept: 'application/json' },
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    )
  })
}

async function profileOne(dir, v, backend, cookie, duration) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `nalnative-prof-${v}-`))
  try {
    const server = await startApp(dir, { BENCH_VARIANT: v, API_BASE_URL: backend.url }, [
      '--cpu-prof',
      '--cpu-prof-dir',
      out,
      '--cpu-prof-interval',
      '250',
    ])
    let requests
    let fromUs
    let toUs
    const us = () => Number(process.hrtime.bigint() / 1000n)
    try {
      await load(server.url, cookie, 2) // warm-up: JIT, connections, cache
      // Only the measured run counts: start-up and warm-up are cut from the profile by time.
      fromUs = us()
      requests = (await load(server.url, cookie, duration)).requests.total
      toUs = us()
    } finally {
      await server.stop()
    }
    const file = fs.readdirSync(out).find((f) => f.endsWith('.cpuprofile'))
    if (!file) throw new Error(`profile: next start (${v}) wrote no .cpuprofile`)
    const prof = JSON.parse(fs.readFileSync(path.join(out, file), 'utf8'))
    const a = analyse(prof, { under: ['authProxy', 'getServerUser'], fromUs, toUs })
    if (a.samples < 100)
      throw new Error(`profile: only ${a.samples} samples fell in the measured run`)
    return { requests, ...a }
  } finally {
    fs.rmSync(out, { recursive: true, force: true })
  }
}

/** Sums two analyses of the same variant. */
function merge(x, y) {
  const add = (p, q) => {
    const out = { ...p }
    for (const [k, v] of Object.entries(q)) out[k] = (out[k] || 0) + v
    return out
  }
  const frames = new Map(x.frames.map((f) => [f.frame, { ...f }]))
  for (const f of y.frames) {
    const have = frames.get(f.frame)
    if (have) have.ms += f.ms
    else frames.set(f.frame, { ...f })
  }
  return {
    requests: x.requests + y.requests,
    samples: x.samples + y.samples,
    totalMs: x.totalMs + y.totalMs,
    busyMs: x.busyMs + y.busyMs,
    owners: add(x.owners, y.owners),
    underMs: add(x.underMs, y.underMs),
    frames: [...frames.values()].sort((a, b) => b.ms - a.ms),
  }
}

export async function run({ mode, log }) {
  const duration = mode === 'quick' ? 4 : 6
  const dir = await buildApp(log)
  const backend = await startBackend({ ACCESS_TTL: 86400 })
  try {
    await backend.faults({ me: { latencyMs: 20 } })
    const { token } = await backend.mint({ sub: '1', ttl: 86400 })
    const cookie = `userToken=${token}`
    // Two profiles per variant in the order a b b a, summed: drift of the shared machine over
    // the run hits both variants alike.
    const res = {}
    for (const v of ['a', 'b', 'b', 'a']) {
      const one = await profileOne(dir, v, backend, cookie, duration)
      log(
        `  ${NAMES[v]}: ${one.requests} requests, ${one.busyMs.toFixed(0)} ms busy in the profile`,
      )
      res[v] = res[v] ? merge(res[v], one) : one
    }
    // Per 1000 requests of the measured run.
    const per = (v, ms) => (ms * 1000) / Math.max(res[v].requests, 1)
    const ownerNames = [...new Set(Object.values(res).flatMap((r) => Object.keys(r.owners)))].sort(
      (x, y) => (res.b.owners[y] || 0) - (res.b.owners[x] || 0),
    )
    const ownerRows = ownerNames.map((o) => [
      o,
      `${per('a', res.a.owners[o] || 0).toFixed(1)} ms`,
      `${per('b', res.b.owners[o] || 0).toFixed(1)} ms`,
      `${(per('b', res.b.owners[o] || 0) - per('a', res.a.owners[o] || 0)).toFixed(1)} ms`,
    ])
    ownerRows.push([
      '**all (busy)**',
      `${per('a', res.a.busyMs).toFixed(1)} ms`,
      `${per('b', res.b.busyMs).toFixed(1)} ms`,
      `${(per('b', res.b.busyMs) - per('a', res.a.busyMs)).toFixed(1)} ms`,
    ])
    ownerRows.push([
      'inclusive: `authProxy` and all it calls (the addon included)',
      '–',
      `${per('b', res.b.underMs.authProxy).toFixed(1)} ms`,
      `${per('b', res.b.underMs.authProxy).toFixed(1)} ms`,
    ])
    // The route asks getServerUser behind our proxy only ((a) passes no user and reads none).
    ownerRows.push([
      "inclusive: `getServerUser` (the route's user lookup) and all it calls",
      '–',
      `${per('b', res.b.underMs.getServerUser).toFixed(1)} ms`,
      `${per('b', res.b.underMs.getServerUser).toFixed(1)} ms`,
    ])
    // The frames whose self time grew most from (a) to (b), per 1000 requests.
    const selfOf = (v) => new Map(res[v].frames.map((f) => [f.frame, f]))
    const fa = selfOf('a')
    const fb = selfOf('b')
    const grew = [...new Set([...fa.keys(), ...fb.keys()])]
      .map((k) => {
        const a = per('a', fa.get(k)?.ms || 0)
        const b = per('b', fb.get(k)?.ms || 0)
        return { k, owner: (fb.get(k) || fa.get(k)).owner, a, b, d: b - a }
      })
      .sort((x, y) => y.d - x.d)
      .slice(0, TOP)
    const frameTable = (v) => ({
      caption: `${NAMES[v]}: top ${TOP} frames by self time`,
      columns: ['frame', 'owner', 'self ms / 1000 req', 'share of busy'],
      rows: res[v].frames
        .slice(0, TOP)
        .map((f) => [
          `\`${f.frame}\``,
          f.owner,
          per(v, f.ms).toFixed(2),
          `${((100 * f.ms) / res[v].busyMs).toFixed(1)} %`,
        ]),
    })
    return {
      title,
      intro:
        `\`next start\` of the proxy part's app under \`node --cpu-prof\` (250 µs sampling), autocannon with 16 ` +
        `connections for 2 s of warm-up then ${duration} s against GET /dashboard with one valid user token (the ` +
        'demo backend answers /auth/me after 20 ms); behind (b) the route gets the user from ' +
        '`getServerUser({ request })`, behind (a) it reads none. Two profiles per variant, in the order a b b a, summed. ' +
        "Figures are the profiles' self time per 1000 requests of the measured runs (samples outside them, " +
        'start-up and warm-up, are cut by time), by owner of the code and by frame. Read them for *where* the ' +
        'time goes; the proxy part says *how much*, with its rounds and spread (sampling adds overhead, and a ' +
        'few profiles move with the machine). A native addon call has no frame of its own: its time is the ' +
        'self time of the JS function that calls it (`authProxy`).',
      tables: [
        {
          caption: 'Self time by owner, ms of CPU per 1000 requests',
          columns: ['owner', NAMES.a, NAMES.b, '(b) − (a)'],
          rows: ownerRows,
        },
        frameTable('a'),
        frameTable('b'),
        {
          caption: `The ${TOP} frames whose self time grew most from (a) to (b)`,
          columns: ['frame', 'owner', '(a) ms / 1000 req', '(b) ms / 1000 req', '(b) − (a)'],
          rows: grew.map((g) => [
            `\`${g.k}\``,
            g.owner,
            g.a.toFixed(2),
            g.b.toFixed(2),
            g.d.toFixed(2),
          ]),
        },
      ],
      plots: [],
      data: Object.fromEntries(
        Object.entries(res).map(([v, r]) => [
          v,
          {
            requests: r.requests,
            busyMs: r.busyMs,
            owners: r.owners,
            underMs: r.underMs,
            top: r.frames.slice(0, 200),
          },
        ]),
      ),
    }
  } finally {
    await backend.stop()
  }
}
