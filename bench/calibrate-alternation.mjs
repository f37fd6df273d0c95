// A/A calibration of the proxy part's same-process alternation against one server per variant,
// on the same processes in one session: CAL_PROCS `next start` processes (BENCH_VARIANT=all) run
// the part's rounds with every process in the same slot order, so at every moment all of them
// serve the same variant at the same paced rate. Two spreads per round then come from the same
// data:
//   - same process: (A)/(a), the empty proxy against its identical twin in one process (what the
//     part publishes as its calibration, and the noise its judged ratios carry);
//   - across processes: a key's CPU per request in one process over the same key's in another,
//     loaded at the same moments (what the earlier protocol, a server per variant loaded at once,
//     compared), for (a)+(A) and for every key.
// Not a part of `npm run bench`; run by hand:
//   node bench/calibrate-alternation.mjs [rounds]     (CAL_PROCS, CAL_SLOT, CAL_RATE, CAL_OUT)
import fs from 'node:fs'
import os from 'node:os'
import { medianInterval, summarize } from './lib/stats.mjs'
import { alternate, withServers } from './parts/proxy.mjs'

const ROUNDS = Number(process.argv[2] || 7)
const PROCS = Number(process.env.CAL_PROCS || 3)
const OUT = process.env.CAL_OUT || `${os.tmpdir()}/nalnative-cal-alternation.json`
const over = {
  procs: PROCS,
  rounds: ROUNDS,
  slotSecs: Number(process.env.CAL_SLOT || 2.5),
  rate: Number(process.env.CAL_RATE || 150),
}

const sd = (xs) => {
  const l = xs.map(Math.log)
  const m = l.reduce((a, b) => a + b, 0) / l.length
  return Math.sqrt(l.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(l.length - 1, 1))
}
function describe(name, xs) {
  const s = summarize(xs)
  const ci = medianInterval(xs, 0.97)
  const pct = (x) => `${((x - 1) * 100).toFixed(1)} %`
  console.log(
    `${name.padEnd(34)} n ${String(xs.length).padStart(3)}  SD ${(sd(xs) * 100).toFixed(1)} %  median ${pct(s.median)}  ` +
      `${Math.round(ci.coverage * 100)} % interval ${pct(ci.low)} … ${pct(ci.high)}  (range ${pct(s.min)} … ${pct(s.max)})`,
  )
  return { n: xs.length, sd: sd(xs), median: s.median, low: ci.low, high: ci.high }
}

function analyse(procs) {
  const out = {}
  const keys = Object.keys(procs[0])
  const rounds = procs[0].a.cpu.length
  // same process: (A)/(a) per round, every process
  out.same = describe(
    'same process (A)/(a)',
    procs.flatMap((per) => per.A.cpu.map((x, i) => x / per.a.cpu[i])),
  )
  procs.forEach((per, p) => {
    describe(
      `  process ${p + 1}`,
      per.A.cpu.map((x, i) => x / per.a.cpu[i]),
    )
  })
  // across processes: the empty proxy's (a)+(A) CPU per request of process q over process p
  const empty = (per, i) =>
    (per.a.cpu[i] * per.a.total[i] + per.A.cpu[i] * per.A.total[i]) /
    (per.a.total[i] + per.A.total[i])
  const pairs = []
  for (let p = 0; p < procs.length; p++)
    for (let q = p + 1; q < procs.length; q++) pairs.push([p, q])
  out.cross = {}
  for (const [p, q] of pairs) {
    const xs = []
    for (let i = 0; i < rounds; i++) xs.push(empty(procs[q], i) / empty(procs[p], i))
    out.cross[`${q + 1}/${p + 1}`] = describe(`across ${q + 1}/${p + 1}, (a)+(A)`, xs)
  }
  for (const [p, q] of pairs) {
    const xs = []
    for (const k of keys)
      for (let i = 0; i < rounds; i++) xs.push(procs[q][k].cpu[i] / procs[p][k].cpu[i])
    out.cross[`${q + 1}/${p + 1} all`] = describe(`across ${q + 1}/${p + 1}, every key`, xs)
  }
  return out
}

const log = (s) => console.log(s)
await withServers(
  'full',
  log,
  async (ctx) => {
    const alt = await alternate(ctx, {
      sameOrder: true,
      onRound: (procs) => fs.writeFileSync(OUT, JSON.stringify(procs)),
    })
    fs.writeFileSync(OUT, JSON.stringify(alt.procs))
    console.log(
      `\nload average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}; rounds in ${OUT}`,
    )
    analyse(alt.procs)
  },
  over,
)
