// Rate limiter: checks per second (hot keys and a flood of distinct keys) and memory after the
// flood: ours (native GCRA behind engine.decide) against rate-limiter-flexible's memory store
// and a plain JS Map fixed window. Each contender runs in its own process.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fmt, fmtRatio, ratios, summarize } from '../lib/stats.mjs'
import { barChart } from '../lib/svg.mjs'

export const title = 'Rate limiter: checks per second and memory'

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ratelimit-worker.mjs')
const NAMES = {
  ours: 'ours: engine decision + rateLimit (GCRA)',
  'ours-off': 'engine decision, rate limit off (crossing only)',
  flexible: 'rate-limiter-flexible (memory)',
  map: 'plain JS Map window',
}

function worker(variant, hot, flood) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=4096', WORKER, variant, String(hot), String(flood)],
      { timeout: 300000, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err)
          return reject(new Error(`ratelimit worker ${variant} failed: ${stderr || err.message}`))
        resolve(JSON.parse(stdout.trim().split('\n').pop()))
      },
    )
  })
}

export async function run({ mode }) {
  const hot = mode === 'smoke' ? 2000 : 100000
  const flood = mode === 'smoke' ? 2000 : mode === 'quick' ? 200000 : 1000000
  const reps = mode === 'smoke' ? 1 : mode === 'quick' ? 1 : 3
  const variants = Object.keys(NAMES)
  const res = Object.fromEntries(variants.map((v) => [v, []]))
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + r) % variants.length]
      res[v].push(await worker(v, hot, flood))
    }
  }
  const col = (v, k) => res[v].map((x) => x[k])
  const rows = variants.map((v) => [
    NAMES[v],
    fmt(summarize(col(v, 'hotPerSec')), 3),
    v === 'ours' ? '—' : fmtRatio(ratios(col('ours', 'hotPerSec'), col(v, 'hotPerSec'))),
    fmt(summarize(col(v, 'floodPerSec')), 3),
    fmt(summarize(col(v, 'rssMb')), 3, ' MB'),
    fmt(summarize(col(v, 'heapMb')), 3, ' MB'),
    res[v][0].keys === undefined ? 'n/a' : Number(res[v][0].keys).toLocaleString('en-US'),
  ])
  const bar = (k, label) => ({
    label,
    bars: variants.map((v) => ({
      label: NAMES[v],
      ...summarize(col(v, k)),
      text: fmt(summarize(col(v, k)).median, 3),
    })),
  })
  return {
    title,
    intro:
      `Limit: 1 000 requests per 60 s window per key. Hot: ${hot.toLocaleString('en-US')} checks over 1 000 keys. ` +
      `Flood: ${flood.toLocaleString('en-US')} checks, each with a new key; memory is the growth of the process ` +
      `over the flood, after a GC. Each contender runs alone in a fresh process, ${reps} run(s), alternating. ` +
      'Ours is measured through the whole native decision as the adapter makes it (packed facts → `engine.decidePacked` on a public page, the key in `ip`), ' +
      'so it carries the crossing; the row with the limiter off shows that share. rate-limiter-flexible is ' +
      'awaited per check (its API is Promise-based). Our store is capped (rateLimit.maxKeys, default 100 000 ' +
      'keys): past the cap the least useful entries are evicted, so its memory stays flat where the JS stores grow.',
    tables: [
      {
        columns: [
          'limiter',
          'checks/s, hot keys',
          'ours ÷ this, hot (>1: ours faster)',
          'checks/s, flood',
          'RSS growth after flood',
          'JS heap growth',
          'keys held',
        ],
        rows,
      },
    ],
    plots: [
      {
        file: 'ratelimit-throughput.svg',
        alt: 'rate limiter checks per second',
        svg: barChart({
          title: 'Rate limiter checks per second (higher is better)',
          unit: 'checks/s',
          log: true,
          groups: [bar('hotPerSec', 'hot keys'), bar('floodPerSec', 'distinct-key flood')],
        }),
      },
      {
        file: 'ratelimit-memory.svg',
        alt: 'rate limiter memory after the flood',
        svg: barChart({
          title: `Process memory growth after ${flood.toLocaleString('en-US')} distinct keys (MB)`,
          unit: 'MB (RSS)',
          groups: [bar('rssMb', 'RSS growth')],
        }),
      },
    ],
    data: res,
  }
}
