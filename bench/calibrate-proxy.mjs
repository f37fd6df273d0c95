// A/A calibration of the proxy part's protocol: two identical servers (A and B; B may be another
// variant) measured under candidate protocols, interleaved round by round, so the spread of each
// protocol's per-round CPU-per-request ratio (SD and IQR of its log) can be compared in one
// session on a machine whose load drifts. Not a part of `npm run bench`; run by hand:
//   node bench/calibrate-proxy.mjs [rounds] [protocol,...] [variantB]
// CAL_EXTRA=n more (a) servers (the multi* protocols load them too; their A/A spreads are
// printed), CAL_WARM warm-up seconds, CAL_D / CAL_R round length and rate of multiN, CAL_OUT the
// JSON of every round. Protocols: sim (closed-loop pair, in-process autocannon, the old
// protocol), simX (the same from a load generator process), pin1 (both servers on cpu 1, the
// generator on cpu 0), rate / rate150 (autocannon overallRate), ratepin (a core per server),
// paced150 / paced150pin (evenly paced open loop), paced150gc / multi75gc (a full GC in every
// server before the round, SIGUSR2 via app-gc-preload.cjs), multi75 / multiN (all servers at once,
// paced: the protocol the proxy part uses), sim6swap, alt (A B B A, a fixed request count each).

import fs from 'node:fs'
import os from 'node:os'
import { buildApp, cpuMs, startApp } from './lib/app.mjs'
import { require, startBackend } from './lib/common.mjs'
import { cpuNsOf, pin, startLoadgen } from './lib/load.mjs'
import { sleep } from './lib/stats.mjs'

const ROUNDS = Number(process.argv[2] || 8)
const ONLY = process.argv[3] ? process.argv[3].split(',') : null
const VB = process.argv[4] || 'a'
const WARM = Number(process.env.CAL_WARM || 20)
const OUT = process.env.CAL_OUT || '/tmp/h18b-cal.json'

function inproc(url, connections, duration, extra = {}) {
  const autocannon = require('autocannon')
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `${url}/dashboard`, connections, duration, headers: H, ...extra },
      (err, r) =>
        err
          ? reject(err)
          : resolve({
              total: r.requests.total,
              rps: r.requests.average,
              errors: r.errors + r.non2xx,
            }),
    )
  })
}
let H
const EXTRA = []
const gcAll = async (servers) => {
  for (const s of servers) process.kill(s.pid, 'SIGUSR2')
  await sleep(400)
}
const job = (s, o) => ({ url: `${s.url}/dashboard`, headers: H, ...o })
const snap = (s) => ({ t: cpuMs(s.pid), n: cpuNsOf(s.pid) })
const per = (s0, s1, res) => ({
  t: (s1.t - s0.t) / res.total,
  n: (s1.n - s0.n) / 1e6 / res.total,
  total: res.total,
  rps: res.rps,
})

async function simultaneous(A, B, runBoth) {
  const a0 = snap(A)
  const b0 = snap(B)
  const [ra, rb] = await runBoth()
  const a1 = snap(A)
  const b1 = snap(B)
  return { a: per(a0, a1, ra), b: per(b0, b1, rb) }
}

function protocols(lg) {
  // which server's load is started first alternates by round
  const swapped = async (A, B, r, o, gc) => {
    const x = await simultaneous(A, B, async () => {
      if (gc) await gcAll([A, B])
      if (r % 2 === 0) return lg.run([job(A, o), job(B, o)])
      const [rb, ra] = await lg.run([job(B, o), job(A, o)])
      return [ra, rb]
    })
    return x
  }
  const D = 4
  return {
    // today's: in-process autocannon, both loaded at once, 8 connections each
    sim: (A, B) =>
      simultaneous(A, B, () => Promise.all([inproc(A.url, 8, D), inproc(B.url, 8, D)])),
    // the same load from a separate process
    simX: (A, B) =>
      simultaneous(A, B, () =>
        lg.run([job(A, { connections: 8, duration: D }), job(B, { connections: 8, duration: D })]),
      ),
    // both servers on cpu 1, the load generator on cpu 0
    pin1: async (A, B) => {
      pin(A.pid, '1')
      pin(B.pid, '1')
      pin(lg.pid, '0')
      try {
        return await simultaneous(A, B, () =>
          lg.run([
            job(A, { connections: 8, duration: D }),
            job(B, { connections: 8, duration: D }),
          ]),
        )
      } finally {
        for (const p of [A.pid, B.pid, lg.pid]) pin(p, '0,1')
      }
    },
    // open loop: the same fixed rate for both, below saturation
    rate: (A, B) =>
      simultaneous(A, B, () =>
        lg.run([
          job(A, { connections: 8, duration: D, overallRate: 250 }),
          job(B, { connections: 8, duration: D, overallRate: 250 }),
        ]),
      ),
    // open loop, each server on a core of its own (sides swapped every round)
    ratepin: async (A, B, r) => {
      pin(A.pid, r % 2 ? '0' : '1')
      pin(B.pid, r % 2 ? '1' : '0')
      try {
        return await simultaneous(A, B, () =>
          lg.run([
            job(A, { connections: 8, duration: D, overallRate: 250 }),
            job(B, { connections: 8, duration: D, overallRate: 250 }),
          ]),
        )
      } finally {
        for (const p of [A.pid, B.pid]) pin(p, '0,1')
      }
    },
    rate150: (A, B, r) => swapped(A, B, r, { connections: 8, duration: 6, overallRate: 150 }),
    paced150: (A, B, r) => swapped(A, B, r, { connections: 8, duration: 6, paced: 150 }),
    paced150pin: async (A, B, r) => {
      pin(A.pid, '1')
      pin(B.pid, '1')
      pin(lg.pid, '0')
      try {
        return await swapped(A, B, r, { connections: 8, duration: 6, paced: 150 })
      } finally {
        for (const p of [A.pid, B.pid, lg.pid]) pin(p, '0,1')
      }
    },
    paced150gc: (A, B, r) => swapped(A, B, r, { connections: 8, duration: 6, paced: 150 }, true),
    multi75gc: async (A, B, r) => {
      const all = r % 2 ? [B, A, ...EXTRA] : [A, B, ...EXTRA]
      const s0 = all.map(snap)
      await gcAll(all)
      const res = await lg.run(all.map((s) => job(s, { connections: 8, duration: 6, paced: 75 })))
      const s1 = all.map(snap)
      const x = Object.fromEntries(all.map((s, i) => [s.pid, per(s0[i], s1[i], res[i])]))
      return { a: x[A.pid], b: x[B.pid], extra: EXTRA.map((s) => x[s.pid]) }
    },
    multiN: async (A, B, r) => {
      const all = [A, B, ...EXTRA]
      const order = all.map((_, i) => all[(i + r) % all.length])
      const s0 = all.map(snap)
      const res = await lg.run(
        order.map((s) =>
          job(s, {
            connections: 8,
            duration: Number(process.env.CAL_D || 15),
            paced: Number(process.env.CAL_R || 50),
          }),
        ),
      )
      const byPid = Object.fromEntries(order.map((s, i) => [s.pid, res[i]]))
      const s1 = all.map(snap)
      const x = all.map((s, i) => per(s0[i], s1[i], byPid[s.pid]))
      return { a: x[0], b: x[1], extra: x.slice(2) }
    },
    multi75: async (A, B, r) => {
      const all = r % 2 ? [B, A, ...EXTRA] : [A, B, ...EXTRA]
      const s0 = all.map(snap)
      const res = await lg.run(all.map((s) => job(s, { connections: 8, duration: 6, paced: 75 })))
      const s1 = all.map(snap)
      const x = Object.fromEntries(all.map((s, i) => [s.pid, per(s0[i], s1[i], res[i])]))
      return { a: x[A.pid], b: x[B.pid], extra: EXTRA.map((s) => x[s.pid]) }
    },
    sim6swap: (A, B, r) => swapped(A, B, r, { connections: 8, duration: 6 }),
    // alternating: A B B A, each alone for a fixed number of requests, 16 connections
    alt: async (A, B) => {
      const acc = { a: [], b: [] }
      for (const [k, S] of [
        ['a', A],
        ['b', B],
        ['b', B],
        ['a', A],
      ]) {
        const s0 = snap(S)
        const [res] = await lg.run([job(S, { connections: 16, amount: 1500 })])
        acc[k].push(per(s0, snap(S), res))
      }
      const m = (xs) => ({
        t: (xs[0].t + xs[1].t) / 2,
        n: (xs[0].n + xs[1].n) / 2,
        total: xs[0].total + xs[1].total,
        rps: (xs[0].rps + xs[1].rps) / 2,
      })
      return { a: m(acc.a), b: m(acc.b) }
    },
  }
}

const stats = (xs) => {
  const v = [...xs].sort((p, q) => p - q)
  const n = v.length
  const mean = v.reduce((s, x) => s + x, 0) / n
  const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(n - 1, 1))
  const q = (p) => v[Math.min(n - 1, Math.max(0, Math.round(p * (n - 1))))]
  return { n, mean, sd, iqr: q(0.75) - q(0.25), min: v[0], max: v[n - 1] }
}

async function main() {
  const dir = await buildApp(console.log)
  const backend = await startBackend({ ACCESS_TTL: 86400 })
  await backend.faults({ me: { latencyMs: 20 } })
  const { token } = await backend.mint({ sub: '1', ttl: 86400 })
  H = { cookie: `userToken=${token}`, accept: 'application/json' }
  const env = { API_BASE_URL: backend.url }
  const lg = startLoadgen()
  const nodeArgs = [
    '--expose-gc',
    '--require',
    new URL('./app-gc-preload.cjs', import.meta.url).pathname,
  ]
  const A = await startApp(dir, { ...env, BENCH_VARIANT: 'a' }, nodeArgs)
  const B = await startApp(dir, { ...env, BENCH_VARIANT: VB }, nodeArgs)
  const NX = Number(process.env.CAL_EXTRA || 2)
  for (let i = 0; i < NX; i++)
    EXTRA.push(await startApp(dir, { ...env, BENCH_VARIANT: 'a' }, nodeArgs))
  const all = protocols(lg)
  const names = ONLY || Object.keys(all)
  const out = Object.fromEntries(names.map((p) => [p, []]))
  try {
    console.log(
      `uptime: ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    )
    await Promise.all([A, B, ...EXTRA].map((s) => inproc(s.url, 8, WARM)))
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < names.length; i++) {
        const p = names[(i + r) % names.length]
        const t0 = Date.now()
        const x = await all[p](A, B, r)
        x.secs = (Date.now() - t0) / 1000
        x.load = os.loadavg()[0]
        out[p].push(x)
        console.log(
          `r${r} ${p.padEnd(8)} tick ×${(x.b.t / x.a.t).toFixed(3)} ns ×${(x.b.n / x.a.n).toFixed(3)} rps ×${(x.b.rps / x.a.rps).toFixed(3)} A ${x.a.n.toFixed(3)} ms/req ${x.a.total} req, ${x.secs.toFixed(1)} s, load ${x.load.toFixed(2)}`,
        )
        await sleep(300)
      }
      fs.writeFileSync(OUT, JSON.stringify(out))
    }
  } finally {
    for (const s of [A, B, ...EXTRA]) await s.stop()
    await lg.stop()
    await backend.stop()
  }
  console.log(
    'protocol  n  SD(log tick)  SD(log ns)  IQR(ns)  mean(ns)  SD(ns)*sqrt(s)  secs  ms/req(A)',
  )
  for (const p of names) {
    const xs = out[p]
    const lt = stats(xs.map((x) => Math.log(x.b.t / x.a.t)))
    const ln = stats(xs.map((x) => Math.log(x.b.n / x.a.n)))
    const secs = xs.reduce((s, x) => s + x.secs, 0) / xs.length
    const msA = stats(xs.map((x) => x.a.n)).mean
    const ex = xs[0].extra
      ? ` extra A/A: ${xs[0].extra
          .map((_, j) => j)
          .map((j) => (stats(xs.map((x) => Math.log(x.extra[j].n / x.a.n))).sd * 100).toFixed(2))
          .join(', ')} %`
      : ''
    console.log(
      `${p.padEnd(8)} ${lt.n}  ${(lt.sd * 100).toFixed(2)} %  ${(ln.sd * 100).toFixed(2)} %  ${(ln.iqr * 100).toFixed(2)} %  ${(ln.mean * 100).toFixed(2)} %  ${(ln.sd * 100 * Math.sqrt(secs)).toFixed(2)}  ${secs.toFixed(1)}  ${msA.toFixed(3)}${ex}`,
    )
  }
}

await main()
