// Small statistics and timing helpers. Every figure the bench publishes is a median over
// several rounds with its min–max spread; ratios are taken per round against a baseline
// measured in the same round, then summarised.

export function summarize(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 }
  const mid = v.length >> 1
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
  return { median, min: v[0], max: v[v.length - 1], n: v.length }
}

/** Per-round ratios `a[i] / b[i]`, summarised. */
export function ratios(a, b) {
  const out = []
  for (let i = 0; i < Math.min(a.length, b.length); i++) out.push(a[i] / b[i])
  return summarize(out)
}

export const nowNs = () => process.hrtime.bigint()

/**
 * The process's CPU time (user + system, all threads) in ns. On a shared machine a batch's
 * CPU time moves far less than its wall time: being descheduled costs no CPU.
 */
export const cpuNs = () => {
  const c = process.cpuUsage()
  return BigInt(c.user + c.system) * 1000n
}

/**
 * Runs the synchronous `fn(n)` (which must do n operations) with growing n until one batch takes
 * at least `minMs`, then returns ns per operation of that batch (`clock`: `nowNs`, wall time, or
 * `cpuNs`, the process's CPU time).
 */
export function nsPerOp(fn, { minMs = 50, start = 1000, clock = nowNs } = {}) {
  let n = start
  for (;;) {
    const t0 = clock()
    fn(n)
    const ns = Number(clock() - t0)
    if (ns >= minMs * 1e6 || n >= 1e9) return ns / n
    n = Math.min(1e9, Math.max(n * 2, Math.ceil((n * minMs * 1e6 * 1.2) / Math.max(ns, 1))))
  }
}

/** Same for an async `fn(n)`. */
export async function nsPerOpAsync(fn, { minMs = 50, start = 100, clock = nowNs } = {}) {
  let n = start
  for (;;) {
    const t0 = clock()
    await fn(n)
    const ns = Number(clock() - t0)
    if (ns >= minMs * 1e6 || n >= 1e8) return ns / n
    n = Math.min(1e8, Math.max(n * 2, Math.ceil((n * minMs * 1e6 * 1.2) / Math.max(ns, 1))))
  }
}

/**
 * Interleaves variants over rounds (A B C, B C A, ...) so that drift of a noisy shared machine
 * hits every variant alike. `measure(variant, round)` returns one number.
 * @returns {Promise<Record<string, number[]>>}
 */
export async function rounds(variants, count, measure) {
  const out = Object.fromEntries(variants.map((v) => [v, []]))
  for (let r = 0; r < count; r++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + r) % variants.length]
      out[v].push(await measure(v, r))
    }
  }
  return out
}

export function gc() {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc()
    globalThis.gc()
  }
}

const fmtNum = (x, digits, ints = Number.isInteger(x)) => {
  if (!Number.isFinite(x)) return 'n/a'
  const a = Math.abs(x)
  if (ints) return x.toLocaleString('en-US')
  if (a >= 100) return Math.round(x).toLocaleString('en-US')
  if (a >= 10) return x.toFixed(Math.max(0, digits - 2))
  if (a >= 1) return x.toFixed(Math.max(0, digits - 1))
  return x.toPrecision(digits)
}

/** `12.3 (11.9–12.8)` */
export function fmt(s, digits = 3, suffix = '') {
  if (typeof s === 'number') return fmtNum(s, digits) + suffix
  if (!s || !Number.isFinite(s.median)) return 'n/a'
  // counts print as integers only when every figure of the cell is one
  const ints = [s.median, s.min, s.max].every(Number.isInteger)
  const f = (x) => fmtNum(x, digits, ints)
  if (s.n <= 1 || s.min === s.max) return `${f(s.median)}${suffix}`
  return `${f(s.median)}${suffix} (${f(s.min)}–${f(s.max)})`
}

/** `×1.23 (1.10–1.31)` */
export function fmtRatio(s) {
  if (!s || !Number.isFinite(s.median)) return 'n/a'
  const f = (x) =>
    x >= 100 ? Math.round(x).toLocaleString('en-US') : x >= 10 ? x.toFixed(1) : x.toFixed(2)
  if (s.n <= 1 || s.min === s.max) return `×${f(s.median)}`
  return `×${f(s.median)} (${f(s.min)}–${f(s.max)})`
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

export function mb(bytes) {
  return bytes / (1024 * 1024)
}

/**
 * A distribution-free confidence interval for the median of `values` (order statistics, the
 * binomial sign-test interval): `[x(k), x(n-k+1)]` with the largest k whose coverage is at
 * least `conf`. With 9 rounds that is the 2nd and 8th smallest values (96 %).
 * @returns {{ low: number, high: number, coverage: number }}
 */
export function medianInterval(values, conf = 0.95) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  const n = v.length
  if (n === 0) return { low: Number.NaN, high: Number.NaN, coverage: 0 }
  let best = { low: v[0], high: v[n - 1], coverage: 1 - 2 / 2 ** n }
  let tail = 0 // P(B <= k - 1) for B ~ Binomial(n, 1/2)
  let c = 1 // C(n, i)
  for (let k = 1; k <= Math.floor(n / 2); k++) {
    tail += c / 2 ** n
    c = (c * (n - k + 1)) / k
    const coverage = 1 - 2 * tail
    if (coverage < conf) break
    best = { low: v[k - 1], high: v[n - k], coverage }
  }
  return best
}

/**
 * Met / missed / not decidable: whether the median's confidence interval lies on one side of
 * `limit` (`better`: 'below' when smaller is better, 'above' when larger is).
 */
export function judge(values, limit, better) {
  const ci = medianInterval(values)
  const ok = better === 'below' ? ci.high <= limit : ci.low >= limit
  const bad = better === 'below' ? ci.low > limit : ci.high < limit
  return { ...ci, verdict: ok ? 'met' : bad ? 'missed' : 'not decidable' }
}
