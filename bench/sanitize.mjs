// Sanitizer throughput in MB/s on a realistic JSON payload (a list of posts with HTML bodies),
// side by side in one run: the native JSON walk (ammonia, one crossing for the whole body)
// against DOMPurify (jsdom) and sanitize-html doing the same JSON walk in JS.
//
//   node bench/sanitize.mjs [--mb 1] [--ms 2000] [--rounds 5] [--mode strip|escape|allowList]
//
// Reusable: `import { measureSanitizers } from './sanitize.mjs'` returns the figures.
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const require = createRequire(import.meta.url)

/** Deterministic posts JSON of about `bytes` bytes; ~1 in 10 bodies carries an XSS payload. */
export function postsPayload(bytes = 1024 * 1024, seed = 7) {
  let s = seed >>> 0
  const r = () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
  const words =
    'the layer token cache request backend proxy session cookie native server page route data value safe fast clear build test ship 5 < 10 & more'.split(
      ' ',
    )
  const sentence = (n) =>
    Array.from({ length: n }, () => words[Math.floor(r() * words.length)]).join(' ')
  const attacks = [
    '<script>alert(document.cookie)</script>',
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<svg><g/onload=alert(2)//<p>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(4)>',
  ]
  const posts = []
  let size = 0
  for (let id = 1; size < bytes; id++) {
    const x = r()
    const body =
      x < 0.5
        ? `${sentence(20)}. ${sentence(15)}.`
        : x < 0.9
          ? `<p>${sentence(12)} <strong>${sentence(3)}</strong></p><ul><li>${sentence(4)}</li><li><a href="https://example.com/${id}">${sentence(2)}</a></li></ul>`
          : `<p>${sentence(10)}</p>${attacks[id % attacks.length]}<p>${sentence(8)}</p>`
    const post = {
      id,
      title: sentence(5),
      body,
      author: {
        id: 1 + (id % 40),
        name: sentence(2),
        avatar: `https://cdn.example.com/a/${id}.png`,
      },
      tags: ['news', 'rust'],
      published: true,
    }
    const text = JSON.stringify(post)
    size += text.length + 1
    posts.push(post)
  }
  return JSON.stringify({ success: true, data: posts })
}

function walk(v, fn) {
  if (typeof v === 'string') return fn(v)
  if (Array.isArray(v)) return v.map((x) => walk(x, fn))
  if (v && typeof v === 'object') {
    const o = {}
    for (const k of Object.keys(v)) o[k] = walk(v[k], fn)
    return o
  }
  return v
}

/** The contenders for one mode, each `(jsonText) => sanitized value`. Same input, same output kind. */
export function contenders(mode = 'strip') {
  const { createSanitizer } = require('../js/api/sanitize.js')
  const ours = createSanitizer({ mode })
  const { JSDOM } = require('jsdom')
  const DOMPurify = require('dompurify')(new JSDOM('').window)
  const sanitizeHtml = require('sanitize-html')
  const strip = mode === 'strip'
  const dp = strip ? { ALLOWED_TAGS: [], ALLOWED_ATTR: [], KEEP_CONTENT: true } : {}
  const sh = strip ? { allowedTags: [], allowedAttributes: {} } : undefined
  return {
    'native (ammonia, one crossing)': (text) => JSON.parse(ours.sanitizeJson(text)),
    'native, one crossing per string': (text) =>
      walk(JSON.parse(text), (s) => ours.sanitizeString(s)),
    'DOMPurify + jsdom (JS walk)': (text) =>
      walk(JSON.parse(text), (s) => DOMPurify.sanitize(s, dp)),
    'sanitize-html (JS walk)': (text) => walk(JSON.parse(text), (s) => sanitizeHtml(s, sh)),
  }
}

function mbps(fn, text, minMs) {
  fn(text) // warm up
  let n = 0
  const t0 = process.hrtime.bigint()
  let ns = 0
  do {
    fn(text)
    n++
    ns = Number(process.hrtime.bigint() - t0)
  } while (ns < minMs * 1e6)
  return (Buffer.byteLength(text) * n) / (1024 * 1024) / (ns / 1e9)
}

/**
 * Measures every contender on the same payload in one run, interleaved: `rounds` rounds, each
 * giving every contender `minMs / rounds` ms, so load changes on a shared machine hit all of
 * them alike. Reports the median MB/s per contender.
 * @returns {{ mode, bytes, rounds, results: Array<{ name, mbps, ratio }> }} ratio = native / contender
 */
export function measureSanitizers({ mb = 1, minMs = 2000, mode = 'strip', rounds = 5 } = {}) {
  const text = postsPayload(Math.round(mb * 1024 * 1024))
  const fns = Object.entries(contenders(mode))
  const samples = fns.map(() => [])
  for (let r = 0; r < rounds; r++) {
    fns.forEach(([, fn], i) => {
      samples[i].push(mbps(fn, text, minMs / rounds))
    })
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const results = fns.map(([name], i) => ({ name, mbps: median(samples[i]) }))
  const nativeMbps = results[0].mbps
  for (const r of results) r.ratio = nativeMbps / r.mbps
  return { mode, bytes: Buffer.byteLength(text), rounds, results }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name, d) => {
    const i = process.argv.indexOf(`--${name}`)
    return i > 0 ? process.argv[i + 1] : d
  }
  const out = measureSanitizers({
    mb: Number(arg('mb', 1)),
    minMs: Number(arg('ms', 2000)),
    mode: arg('mode', 'strip'),
    rounds: Number(arg('rounds', 5)),
  })
  console.log(
    `mode ${out.mode}, payload ${(out.bytes / 1024 / 1024).toFixed(2)} MB, node ${process.version}`,
  )
  for (const r of out.results) {
    console.log(
      `${r.name.padEnd(34)} ${r.mbps.toFixed(2).padStart(8)} MB/s   native is ${r.ratio.toFixed(1)}x`,
    )
  }
}
