// The hot path's wire format, built at load from the engine's own declaration
// (src/auth/wire.rs, read through `wireFormat()`): facts go to `engine.decidePacked` as one
// `\n`-separated string, the decision comes back as one. Nothing here lists a field: the
// order, the names and where each fact comes from are the engine's, so the two sides cannot
// drift (__test__/wire.test.js checks the round trip for every field).

const native = require('./native')
const { INTERNAL_HEADERS } = require('./internal-headers')

// Header names as `Headers` iterates them are lower-case already: no per-name toLowerCase.
const INTERNAL = new Set(INTERNAL_HEADERS)
const { effectiveMethod, effectiveMethodWith, OVERRIDE_SET } = require('./method-override')

const FORMAT = native.wireFormat()

// Fact sources and value kinds as small integers, for the switch on the hot path.
const SOURCES = [
  'method',
  'path',
  'search',
  'header',
  'csrfHeader',
  'ip',
  'rateLimitKey',
  'internal',
]
const KINDS = ['str', 'num', 'bool', 'list']

function codes(fields, known, what) {
  return fields.map((f) => {
    const c = known.indexOf(f.kind)
    // A kind the adapter does not know is a mismatched build: fail at load, not per request.
    if (c < 0)
      throw new Error(`[next-api-layer-native] unknown ${what} kind '${f.kind}' for ${f.name}`)
    return c
  })
}

const FACT_NAMES = FORMAT.facts.map((f) => f.name)
const FACT_SOURCE = codes(FORMAT.facts, SOURCES, 'fact')
const FACT_HEADER = FORMAT.facts.map((f) => f.header || '')
const DECISION_NAMES = FORMAT.decision.map((f) => f.name)
const DECISION_KIND = codes(FORMAT.decision, KINDS, 'decision')
const AUTH_NAMES = FORMAT.auth.map((f) => f.name)
const AUTH_KIND = codes(FORMAT.auth, KINDS, 'auth')

/** One fact of `req` as a string ('' = absent). */
function factOf(i, req, h, url, csrfHeader, rateLimitKey) {
  switch (FACT_SOURCE[i]) {
    case 0:
      // a GET carrying an override to PUT is judged as the PUT (CSRF applies); the one-pass
      // packer (h null) passes the override header it saw instead
      return h ? effectiveMethod(req.method, h, url.search) : req.method
    case 1:
      return url.pathname
    case 2:
      return url.search
    case 3:
      return h.get(FACT_HEADER[i]) || ''
    case 4:
      return h.get(csrfHeader || 'x-csrf-token') || ''
    case 5:
      // The peer address when the runtime exposes one (NextRequest in Next.js 16 does not);
      // the rate limiter never trusts x-forwarded-for unless rateLimit.trustedProxies says so.
      return typeof req.ip === 'string' ? req.ip : ''
    case 6:
      return rateLimitKey || ''
    default:
      // never trusted from the client: the proxy is the first in the chain
      return ''
  }
}

/** The indexes of the facts that are not request headers. */
const NON_HEADER = FACT_SOURCE.map((c, i) => (c === 3 || c === 4 ? -1 : i)).filter((i) => i >= 0)

/** `'\n'` repeated 0..n times: a run of absent facts costs one concatenation. */
const NEWLINES = Array.from({ length: FACT_SOURCE.length + 2 }, (_, i) => '\n'.repeat(i))

/**
 * `flags`, then the fields, `\n` before each, without the trailing empty ones (the engine reads
 * missing trailing fields as absent). Most facts of a request are absent: concatenating only
 * the present ones measured ~×0.8 of `Array#join` over all of them (the join was ~6 % of a
 * cache-hit proxy call).
 */
function joinFields(flags, vals) {
  let s = flags
  let gap = 1
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]
    if (v === '') {
      gap++
      continue
    }
    s = s + NEWLINES[gap] + v
    gap = 1
  }
  return s
}

/** Markers in the packer's lookup (empty: they fill no fact). */
const IS_OVERRIDE = []
const IS_INTERNAL = []

/**
 * A packer for one proxy: the facts of a request in the engine's packed form, reading the
 * request headers in ONE pass (undici's `Headers#get` validates and lower-cases its argument
 * on every call: ~16 of them cost more than iterating the headers once).
 * @param {string} [csrfHeader] the configured `csrf.headerName` (default `x-csrf-token`)
 * @param {boolean} [keep] write the `m` flag (after `a` and `i`) on every request: the adapter keeps bare
 *   answers (js/proxy/decision-memo.js) and the engine says for how long
 * @returns {(req: object, wantAuth?: boolean, rateLimitKey?: string, over?: object) => string}
 */
function makePacker(csrfHeader, keep = false) {
  const keepFlag = keep ? 'm' : ''
  // header name -> the fact indexes it fills (the CSRF header may share a name with another fact)
  const slots = new Map()
  const add = (name, i) => slots.set(name, [...(slots.get(name) || []), i])
  FACT_SOURCE.forEach((c, i) => {
    if (c === 3) add(FACT_HEADER[i], i)
    else if (c === 4) add(String(csrfHeader || 'x-csrf-token').toLowerCase(), i)
  })
  // The one pass's lookup: a fact header's indexes, else one of two empty markers (a method
  // override header, an internal header): one Map probe per request header instead of three.
  const pass = new Map()
  for (const k of OVERRIDE_SET) pass.set(k, IS_OVERRIDE)
  for (const k of INTERNAL) pass.set(k, IS_INTERNAL)
  for (const [k, at] of slots) pass.set(k, at)
  // One scratch array per packer, reused: `pack` never yields, so no two calls share it, and
  // a fresh copy per request was garbage for the next minor GC.
  const vals = FACT_SOURCE.map(() => '')
  return function pack(req, wantAuth, rateLimitKey, over) {
    vals.fill('')
    let override = null
    let internal = false
    for (const [k, v] of req.headers) {
      const at = pass.get(k)
      if (at === undefined) continue
      if (at.length) for (let j = 0; j < at.length; j++) vals[at[j]] = v
      else if (at === IS_OVERRIDE) {
        if (override === null && v.trim()) override = v
      }
      // the request will be rewritten to strip it: the engine sends the user header along
      else internal = true
    }
    const flags = (wantAuth ? 'a' : '') + (internal ? 'i' : '') + keepFlag
    const url = req.nextUrl || new URL(req.url)
    // read once: each is a getter chain through NextURL to URL
    const search = url.search
    for (let j = 0; j < NON_HEADER.length; j++) {
      const i = NON_HEADER[j]
      const c = FACT_SOURCE[i]
      vals[i] =
        c === 0
          ? effectiveMethodWith(req.method, override, search)
          : c === 1
            ? url.pathname
            : c === 2
              ? search
              : factOf(i, req, null, url, '', rateLimitKey)
    }
    if (over === undefined) return joinFields(flags, vals)
    // The adapter's own readings (see packFacts): header facts replaced by name, the prefetch flag.
    const replace = over.headers
    if (replace) {
      for (const k of Object.keys(replace)) {
        const v = replace[k]
        const at = slots.get(k)
        if (v === undefined || at === undefined) continue
        for (let j = 0; j < at.length; j++) vals[at[j]] = String(v).replace(/[\r\n]/g, ' ')
      }
    }
    return joinFields(flags + (over.prefetch ? 'p' : ''), vals)
  }
}

const FLAG_A = 'a'.charCodeAt(0)
const FLAG_I = 'i'.charCodeAt(0)

/**
 * Do packed facts say the request carries an internal header (the `i` flag)? The packer writes
 * its flags in the order `a`, `i`, `p`, so `i` is first or right after `a` (two character
 * reads: `String#lastIndexOf` showed in the profile of a warm hit).
 */
function carriesInternal(packed) {
  const c = packed.charCodeAt(0)
  return c === FLAG_I || (c === FLAG_A && packed.charCodeAt(1) === FLAG_I)
}

const packers = new Map()

/**
 * The facts of `req` in the engine's packed form (a packer per CSRF header name, cached).
 * @param {object} req a NextRequest (or anything with method, headers, nextUrl/url)
 * @param {string} [csrfHeader] the configured `csrf.headerName`
 * @param {boolean} [wantAuth] ask for the auth result too
 * @param {string} [rateLimitKey] `rateLimit.keyFn(req)`, without line breaks
 * @param {{ prefetch?: boolean, headers?: Record<string, string | undefined> }} [over] the
 *   adapter's own readings: `prefetch` sets the `p` flag (rateLimit.skipPrefetch); `headers`
 *   replaces header facts by name (a cookie header with a stored refresh result in it, the
 *   client IP from rateLimit.ipHeaders as x-forwarded-for); undefined keeps the request's
 */
function packFacts(req, csrfHeader, wantAuth, rateLimitKey, over) {
  let p = packers.get(csrfHeader)
  if (!p) {
    p = makePacker(csrfHeader)
    packers.set(csrfHeader, p)
  }
  return p(req, wantAuth, rateLimitKey, over)
}

/** The same facts as a plain object (the engine's `Facts`; absent = undefined). */
function factsOf(req, csrfHeader, rateLimitKey) {
  const h = req.headers
  const url = req.nextUrl || new URL(req.url)
  const out = {}
  for (let i = 0; i < FACT_SOURCE.length; i++) {
    const v = factOf(i, req, h, url, csrfHeader, rateLimitKey)
    out[FACT_NAMES[i]] = v === '' ? undefined : v
  }
  return out
}

/** Reads fields `names`/`kinds` from `p` at `at.i` into `out`. */
function readFields(p, at, names, kinds, out) {
  for (let k = 0; k < kinds.length; k++) {
    const v = p[at.i]
    switch (kinds[k]) {
      case 0:
        out[names[k]] = v || undefined
        at.i += 1
        break
      case 1:
        out[names[k]] = Number(v)
        at.i += 1
        break
      case 2:
        out[names[k]] = v === '1'
        at.i += 1
        break
      default: {
        const n = Number(v)
        out[names[k]] = p.slice(at.i + 1, at.i + 1 + n)
        at.i += 1 + n
      }
    }
  }
  return out
}

/** `BARE_NEXT` in src/auth/wire.rs: go on unchanged, nothing to set, no auth result asked. */
const BARE_NEXT = 'n'

/**
 * The decision `BARE_NEXT` stands for (fresh lists: hooks may add to them). Written out: laid
 * out from the format it cost ~50–150 ns more per warm hit; __test__/wire.test.js fails when
 * its fields and the format's disagree.
 */
function bareNext() {
  return {
    kind: 'next',
    status: 200,
    location: undefined,
    body: undefined,
    setCookies: [],
    requestHeaders: [],
    responseHeaders: [],
    auth: undefined,
  }
}

/** Reads the engine's packed decision (with its auth result when `withAuth`). */
function unpackDecision(s, withAuth) {
  if (s === BARE_NEXT) return bareNext()
  const p = s.split('\n')
  const at = { i: 0 }
  const d = readFields(p, at, DECISION_NAMES, DECISION_KIND, {})
  d.auth = withAuth ? readFields(p, at, AUTH_NAMES, AUTH_KIND, {}) : undefined
  return d
}

module.exports = {
  FORMAT,
  BARE_NEXT,
  makePacker,
  packFacts,
  factsOf,
  carriesInternal,
  unpackDecision,
}
