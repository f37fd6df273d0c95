// A/A calibration of the proxy part's crossover rounds, on the part's own two servers and
// slots: (A), an empty proxy identical to (a), is paired with (a) like every judged variant, so
// three estimates of "no difference" come from the same loads:
//   - crossover: what the part publishes ((A) on server 1 while (a) on server 2, then the other
//     way round; both the moment and each server's offset cancel);
//   - same server: (A) over (a) on one server, from the two slots in a row (one server per
//     variant is not needed, but the machine's load changes between the slots);
//   - across servers: server 1 over server 2 in the same slot (what the earlier protocol, a
//     server per variant loaded at once, compared), for (A)/(a) and for every paired key, whose
//     median shows the servers' offset.
// Not a part of `npm run bench`; run by hand:
//   node bench/calibrate-crossover.mjs [rounds]     (CAL_SLOT, CAL_FLIPS, CAL_RATE, CAL_OUT)
import fs from 'node:fs'
import os from 'node:os'
import { medianInterval, summarize } from './lib/stats.mjs'
import { alternate, crossover, withServers } from './parts/proxy.mjs'

const ROUNDS = Number(process.argv[2] || 6)
const OUT = process.env.CAL_OUT || `${os.tmpdir()}/nalnative-cal-crossover.json`
const over = {
  rounds: ROUNDS,
  slotSecs: Number(process.env.CAL_SLOT || 2.5),
  rate: Number(process.env.CAL_RATE || 200),
  flips: Number(process.env.CAL_FLIPS || 2),
}

const sd = (xs) => {
  const l = xs.map(Math.log)
  const m = l.reduce((a, b) => a + b, 0) / l.length
  return Math.sqrt(l.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(l.length - 1, 1))
}
function describe(name, xs) {
  const s = summarize(xs)
  const ci = medianInterval(xs, 0.95)
  const pct = (x) => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(1)} %`
  console.log(
    `${name.padEnd(40)} n ${String(xs.length).padStart(3)}  SD ${(sd(xs) * 100).toFixed(1)} %  median ${pct(s.median)}  ` +
      `${Math.round(ci.coverage * 100)} % interval ${pct(ci.low)} … ${pct(ci.high)}  (range ${pct(s.min)} … ${pct(s.max)})`,
  )
}

export function analyse(keys) {
  const at = (x, i) => ({ pv: x.pv[i], qa: x.qa[i], qv: x.qv[i], pa: x.pa[i] })
  const A = keys.A
  const idx = A.pv.map((_, i) => i)
  describe(
    'crossover (A)/(a)',
    idx.map((i) => crossover(at(A, i))),
  )
  describe(
    'same server, slots in a row (A)/(a)',
    idx.flatMap((i) => [A.pv[i] / A.pa[i], A.qv[i] / A.qa[i]]),
  )
  describe(
    '  server 1',
    idx.map((i) => A.pv[i] / A.pa[i]),
  )
  describe(
    '  server 2',
    idx.map((i) => A.qv[i] / A.qa[i]),
  )
  describe(
    'across servers, same slot (A)/(a)',
    idx.flatMap((i) => [A.pv[i] / A.qa[i], A.qv[i] / A.pa[i]]),
  )
  describe(
    'across, server 1 / server 2, (A),(a)',
    idx.flatMap((i) => [A.pv[i] / A.qa[i], A.pa[i] / A.qv[i]]),
  )
  const off = Object.values(keys).flatMap((x) =>
    x.pv.flatMap((_, i) => [x.pv[i] / x.qa[i], x.pa[i] / x.qv[i]]),
  )
  describe('across, server 1 / server 2, every slot', off)
  for (const [k, x] of Object.entries(keys)) {
    if (k === 'A') continue
    describe(
      `  (${k}) crossover`,
      idx.map((i) => crossover(at(x, i))),
    )
    describe(
      `  (${k}) same server`,
      idx.flatMap((i) => [x.pv[i] / x.pa[i], x.qv[i] / x.qa[i]]),
    )
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const log = (s) => console.log(s)
  await withServers(
    'full',
    log,
    async (ctx) => {
      const alt = await alternate(ctx, {
        onRound: (keys) => fs.writeFileSync(OUT, JSON.stringify(keys)),
      })
      fs.writeFileSync(OUT, JSON.stringify(alt.keys))
      console.log(
        `\nload average ${os
          .loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')}; rounds in ${OUT}`,
      )
      analyse(alt.keys)
    },
    over,
  )
}
