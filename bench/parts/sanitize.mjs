// Sanitizer throughput: the native JSON walk (ammonia) against DOMPurify+jsdom, sanitize-html
// and xss doing the same JSON walk in JS, for each mode; plus the crossing cost (one native call
// for the whole payload against one call per string).
import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { native, require } from '../lib/common.mjs'
import { walkStrings } from '../lib/payload.mjs'
import { fmt, fmtRatio, nowNs, ratios, rounds, summarize } from '../lib/stats.mjs'
import { barChart } from '../lib/svg.mjs'
import { postsPayload } from '../sanitize.mjs'

export const title = 'Sanitizer: MB/s on realistic JSON'

const escapeHtml = (s) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  )

// A live tag that runs script: <script, an on* handler or a javascript: URL inside a raw tag.
const UNSAFE = /<script|<[^>]*\son\w+\s*=|<[^>]*javascript:/i

function jsWalker(fn) {
  return (text) => JSON.stringify(walkStrings(JSON.parse(text), fn))
}

/** A fresh copy of `v` with every string mapped (what a JS sanitize(data) returns). */
function mapStrings(v, fn) {
  if (typeof v === 'string') return fn(v)
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, fn))
  if (v && typeof v === 'object') {
    const o = {}
    for (const k of Object.keys(v)) o[k] = mapStrings(v[k], fn)
    return o
  }
  return v
}

function contenders(mode) {
  const nat = native()
  const ours = new nat.Sanitizer({ enabled: true, mode })
  const { JSDOM } = require('jsdom')
  const createDOMPurify = require('dompurify')
  const DOMPurify = createDOMPurify(new JSDOM('').window)
  const sanitizeHtml = require('sanitize-html')
  const xss = require('xss')
  const out = { 'ours (native JSON walk)': (text) => ours.sanitizeJson(text) }
  if (mode === 'strip') {
    const dp = { ALLOWED_TAGS: [], ALLOWED_ATTR: [], KEEP_CONTENT: true }
    out['DOMPurify + jsdom'] = jsWalker((s) => DOMPurify.sanitize(s, dp))
    const sh = { allowedTags: [], allowedAttributes: {} }
    out['sanitize-html'] = jsWalker((s) => sanitizeHtml(s, sh))
    const x = new xss.FilterXSS({
      whiteList: {},
      stripIgnoreTag: true,
      stripIgnoreTagBody: ['script', 'style'],
    })
    out.xss = jsWalker((s) => x.process(s))
  } else if (mode === 'escape') {
    const sh = { allowedTags: [], allowedAttributes: {}, disallowedTagsMode: 'escape' }
    out['sanitize-html'] = jsWalker((s) => sanitizeHtml(s, sh))
    const x = new xss.FilterXSS({ whiteList: {} })
    out.xss = jsWalker((s) => x.process(s))
    out['plain JS escapeHtml'] = jsWalker(escapeHtml)
  } else {
    out['DOMPurify + jsdom'] = jsWalker((s) => DOMPurify.sanitize(s))
    out['sanitize-html'] = jsWalker((s) => sanitizeHtml(s))
    const x = new xss.FilterXSS()
    out.xss = jsWalker((s) => x.process(s))
  }
  return out
}

/** MB/s of `fn(text)`, repeated until at least `minMs`. */
function throughput(fn, text, minMs) {
  let n = 0
  let sink = 0
  const t0 = nowNs()
  let ns = 0
  do {
    sink += fn(text).length
    n++
    ns = Number(nowNs() - t0)
  } while (ns < minMs * 1e6)
  if (sink < 0) console.log(sink)
  return (text.length * n) / (1024 * 1024) / (ns / 1e9)
}

const SIZES = { '10 KB': 10 * 1024, '1 MB': 1024 * 1024, '10 MB': 10 * 1024 * 1024 }

/**
 * Every contender for one mode on one payload size, interleaved rounds. Runs in its own process
 * (sanitize-worker.mjs): jsdom keeps memory from every document DOMPurify builds (about 65 MB
 * per MB sanitized here), so each (size, mode) starts from a fresh heap.
 */
export async function measure(size, mode, runMode, check) {
  const minMs = runMode === 'smoke' ? 5 : 150
  const text = postsPayload(SIZES[size])
  const count = runMode === 'smoke' ? 1 : size === '10 MB' ? 3 : runMode === 'quick' ? 3 : 5
  const c = contenders(mode)
  // Every contender must actually sanitize: the attack payloads may not survive (checked on
  // the first size; the bigger payloads carry the same kinds of bodies).
  for (const [name, fn] of check ? Object.entries(c) : []) {
    walkStrings(JSON.parse(fn(text)), (v) => {
      if (UNSAFE.test(v)) throw new Error(`sanitize: ${name} (${mode}) let through: ${v}`)
      return v
    })
  }
  const names = Object.keys(c)
  const res = await rounds(names, count, (v) => throughput(c[v], text, minMs))
  return { bytes: text.length, count, names, res }
}

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sanitize-worker.mjs')

function worker(size, mode, runMode, check) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--max-old-space-size=8192', WORKER, size, mode, runMode, check ? '1' : '0'],
      { timeout: 900000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err)
          return reject(
            new Error(`sanitize worker (${size}, ${mode}) failed: ${stderr || err.message}`),
          )
        resolve(JSON.parse(stdout.trim().split('\n').pop()))
      },
    )
  })
}

export async function run({ mode: runMode, log = () => {} }) {
  const sizes =
    runMode === 'smoke' ? ['10 KB'] : runMode === 'quick' ? ['10 KB', '1 MB'] : Object.keys(SIZES)
  const tables = []
  const plots = []
  const data = {}
  for (const size of sizes) {
    const rows = []
    const groups = []
    let caption = ''
    data[size] = {}
    for (const mode of ['strip', 'escape', 'allowList']) {
      log(`  ${size}, ${mode}`)
      const { bytes, count, names, res } = await worker(size, mode, runMode, size === sizes[0])
      caption = `${size} payload (${(bytes / 1024).toFixed(0)} KiB of JSON, ${count} interleaved rounds, each mode in a fresh process)`
      const ours = names[0]
      const bars = []
      data[size][mode] = {}
      for (const v of names) {
        const s = summarize(res[v])
        data[size][mode][v] = s
        rows.push([
          mode,
          v,
          fmt(s, 3, ' MB/s'),
          v === ours ? '—' : fmtRatio(ratios(res[ours], res[v])),
        ])
        bars.push({ label: v, ...s, text: fmt(s.median, 3) })
      }
      groups.push({ label: mode, bars })
    }
    tables.push({
      caption,
      columns: ['mode', 'sanitizer', 'MB/s median (min–max)', 'ours ÷ this (>1: ours faster)'],
      rows,
    })
    plots.push({
      file: `sanitize-${size.replace(' ', '').toLowerCase()}.svg`,
      alt: `sanitizer MB/s, ${size}`,
      svg: barChart({
        title: `Sanitizer throughput, ${size} JSON (MB/s, higher is better)`,
        unit: 'MB/s',
        log: true,
        groups,
      }),
    })
  }

  // Crossing cost: the same parsed payload, one native call vs one call per string.
  const cross = await crossing(runMode)
  tables.push(cross.table)
  plots.push(cross.plot)
  data.crossing = cross.data
  return {
    title,
    intro:
      'Each contender takes JSON text and returns sanitized JSON text: ours in one native call, the JS libraries as ' +
      'JSON.parse → sanitize every string value → JSON.stringify. Payloads are `postsPayload()` from ' +
      "`bench/sanitize.mjs` (the sanitizer's standalone CLI bench): lists of posts whose bodies are half plain " +
      'text, 40 % markup (p, strong, ul/li, a href), 10 % with an XSS attack. DOMPurify has no escape ' +
      'mode, so it is not in that row; "plain JS escapeHtml" is a five-character replace, the floor for escaping.',
    tables,
    plots,
    data,
  }
}

async function crossing(runMode) {
  const nat = native()
  const s = new nat.Sanitizer({ enabled: true, mode: 'strip' })
  const size = runMode === 'smoke' ? 10 * 1024 : 1024 * 1024
  const obj = JSON.parse(postsPayload(size))
  const bytes = JSON.stringify(obj).length
  const variants = {
    'one native call (stringify → sanitizeJson → parse)': () =>
      JSON.parse(s.sanitizeJson(JSON.stringify(obj))),
    'one native call per string (sanitizeString)': () =>
      mapStrings(obj, (x) => s.sanitizeString(x)),
    'one batched call (collect → sanitizeStrings → rebuild)': () => {
      const all = []
      mapStrings(obj, (x) => {
        all.push(x)
        return x
      })
      const clean = s.sanitizeStrings(all)
      let i = 0
      return mapStrings(obj, () => clean[i++])
    },
  }
  const names = Object.keys(variants)
  const count = runMode === 'smoke' ? 1 : 5
  const minMs = runMode === 'smoke' ? 5 : 150
  const mbps = await rounds(names, count, (v) => oneMbps(variants[v], bytes, minMs))
  const rows = names.map((v) => [
    v,
    fmt(summarize(mbps[v]), 3, ' MB/s'),
    fmtRatio(ratios(mbps[v], mbps[names[0]])),
  ])
  const groups = [
    {
      label: '',
      bars: names.map((v) => ({
        label: v,
        ...summarize(mbps[v]),
        text: fmt(summarize(mbps[v]).median, 3),
      })),
    },
  ]
  return {
    table: {
      caption: `Crossing cost: a parsed ${(bytes / 1024).toFixed(0)} KiB object (strip mode), ${count} rounds`,
      columns: ['how the strings cross', 'MB/s median (min–max)', 'vs one native call'],
      rows,
    },
    plot: {
      file: 'sanitize-crossing.svg',
      alt: 'crossing cost',
      svg: barChart({
        title: 'Crossing cost: whole payload vs per-string (MB/s)',
        unit: 'MB/s',
        groups,
      }),
    },
    data: Object.fromEntries(names.map((v) => [v, summarize(mbps[v])])),
  }
}

function oneMbps(fn, bytes, minMs) {
  let n = 0
  let sink = 0
  const t0 = nowNs()
  let ns = 0
  do {
    const o = fn()
    sink += o ? 1 : 0
    n++
    ns = Number(nowNs() - t0)
  } while (ns < minMs * 1e6)
  if (sink < 0) console.log(sink)
  return (bytes * n) / (1024 * 1024) / (ns / 1e9)
}
