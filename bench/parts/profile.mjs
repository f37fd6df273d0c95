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
    const a = analyse(prof, { under: ['authProxy', 'proxy'], fromUs, toUs })
    if (a.samples < 100)
      throw new Error(`profile: only ${a.samples} samples fell in the measured run`)
    return { requests, ...a }
  } finally {
    fs.rmSync(out, { recursive: true, force: true })
  }
}

export async function run({ mode, log }) {
  const duration = mode === 'quick' ? 4 : 8
  const dir = await buildApp(log)
  const backend = await startBackend({ ACCESS_TTL: 86400 })
  try {
    await backend.faults({ me: { latencyMs: 20 } })
    const { token } = await backend.mint({ sub: '1', ttl: 86400 })
    const cookie = `userToken=${token}`
    const res = {}
    for (const v of Object.keys(NAMES)) {
      res[v] = await profileOne(dir, v, backend, cookie, duration)
      log(
        `  ${NAMES[v]}: ${res[v].requests} requests, ${res[v].busyMs.toFixed(0)} ms busy in the profile`,
      )
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
      'inclusive: the bench proxy function (all it calls)',
      `${per('a', res.a.underMs.proxy).toFixed(1)} ms`,
      `${per('b', res.b.underMs.proxy).toFixed(1)} ms`,
      `${(per('b', res.b.underMs.proxy) - per('a', res.a.underMs.proxy)).toFixed(1)} ms`,
    ])
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
        "demo backend answers /auth/me after 20 ms), once per variant. Figures are the profile's self time " +
        'per 1000 requests of the measured run (samples outside it, start-up and warm-up, are cut by time), by owner of the code and ' +
        'by frame. One profile per variant: read it for *where* the time goes; the proxy part says *how much* ' +
        'with its rounds and spread. A native addon call shows under its JS name (`decidePacked`).',
      tables: [
        {
          caption: 'Self time by owner, ms of CPU per 1000 requests',
          columns: ['owner', NAMES.a, NAMES.b, '(b) − (a)'],
          rows: ownerRows,
        },
        frameTable('a'),
        frameTable('b'),
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
            top: r.frames.slice(0, 40),
          },
        ]),
      ),
    }
  } finally {
    await backend.stop()
  }
}
