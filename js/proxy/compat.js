// next-api-layer 0.5 behaviours of createAuthProxy that live in the adapter (they touch
// Next.js objects or user callbacks): unknown function-valued options, the layer's cookies
// through NextResponse's cookie API, the i18n response merged on redirects, `onError`,
// `refresh.onRefreshFail` and the shared `refresh.store`.

const { createHash } = require('node:crypto')
const { DEFAULT_IP_HEADERS, isPrefetchRequest } = require('../shared/request-info')

/** Function-valued options createAuthProxy runs (dotted paths). */
const KNOWN_FUNCTIONS = new Set([
  'beforeAuth',
  'afterAuth',
  'onError',
  'i18n.middleware',
  'rateLimit.keyFn',
  'rateLimit.onRateLimited',
  'audit.logger',
  'responseMappers.parseAuthMe',
  'responseMappers.parseRefreshToken',
  'responseMappers.parseGuestToken',
  'responseMappers.parseNewRefreshToken',
  'refresh.classifyFail',
  'refresh.onRefreshFail',
  // local JWT verification (its own option group; validated where it is implemented)
  'validate.verify',
])

/** Objects whose functions are a user interface, not options (`refresh.store.get`). */
const OPAQUE = new Set(['refresh.store', 'store'])

function isPlainObject(v) {
  if (!v || typeof v !== 'object') return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/**
 * The dotted paths of function values in `config` that createAuthProxy does not run. JSON
 * drops functions, so without this a misspelt hook (`afterAuht`) would vanish silently.
 */
function unknownFunctionOptions(config) {
  const out = []
  const walk = (obj, prefix) => {
    for (const [k, v] of Object.entries(obj)) {
      const path = prefix ? `${prefix}.${k}` : k
      if (typeof v === 'function') {
        if (!KNOWN_FUNCTIONS.has(path)) out.push(path)
      } else if (isPlainObject(v) && !OPAQUE.has(path)) {
        walk(v, path)
      } else if (Array.isArray(v)) {
        v.forEach((item, i) => {
          if (typeof item === 'function') out.push(`${path}[${i}]`)
          else if (isPlainObject(item)) walk(item, `${path}[${i}]`)
        })
      }
    }
  }
  walk(config, '')
  return out
}

function reportUnknownFunctions(config) {
  for (const path of unknownFunctionOptions(config)) {
    console.warn(
      `[next-api-layer-native] config: ${path} is a function but not a known option and is ignored`,
    )
  }
}

// ---------------------------------------------------------------- cookies

/** Parses one `Set-Cookie` value into the object `NextResponse.cookies.set` takes. */
function parseSetCookie(line) {
  const parts = line.split(';')
  const first = parts[0]
  const eq = first.indexOf('=')
  if (eq <= 0) return null
  const c = { name: first.slice(0, eq).trim(), value: first.slice(eq + 1).trim() }
  for (const raw of parts.slice(1)) {
    const i = raw.indexOf('=')
    const key = (i < 0 ? raw : raw.slice(0, i)).trim().toLowerCase()
    const val = i < 0 ? '' : raw.slice(i + 1).trim()
    if (key === 'path') c.path = val
    else if (key === 'domain') c.domain = val
    else if (key === 'max-age') c.maxAge = Number(val)
    else if (key === 'expires') c.expires = new Date(val)
    else if (key === 'secure') c.secure = true
    else if (key === 'httponly') c.httpOnly = true
    // Written back as given ('Lax'): Next.js prints the attribute as it holds it.
    else if (key === 'samesite') c.sameSite = val
    else if (key === 'partitioned') c.partitioned = true
    else if (key === 'priority') c.priority = val.toLowerCase()
  }
  return c
}

/**
 * Writes the layer's cookies through `res.cookies` (so `afterAuth` sees them and its own
 * `res.cookies.set` keeps them). Next.js percent-encodes values it serialises; a value that
 * would change (a token with `|`, `+`, `/`...) is appended raw instead, after the others, so
 * the browser gets it byte for byte.
 */
function setLayerCookies(res, setCookies) {
  const raw = []
  for (const line of setCookies) {
    const c = parseSetCookie(line)
    if (c && res.cookies && encodeURIComponent(c.value) === c.value) res.cookies.set(c)
    else raw.push(line)
  }
  for (const line of raw) res.headers.append('set-cookie', line)
}

function cookieNames(res) {
  const names = new Set()
  const list = res.headers.getSetCookie ? res.headers.getSetCookie() : []
  for (const line of list) names.add(line.slice(0, line.indexOf('=')).trim())
  return names
}

/**
 * After user code produced the response: every cookie the layer set is still there, unless
 * the user code set or deleted a cookie of that name itself.
 */
function keepLayerCookies(res, setCookies) {
  if (!setCookies.length || !res?.headers) return
  const have = cookieNames(res)
  const missing = setCookies.filter((line) => !have.has(line.slice(0, line.indexOf('=')).trim()))
  if (missing.length) setLayerCookies(res, missing)
}

/**
 * On an auth redirect or JSON answer, the i18n middleware's cookies (`NEXT_LOCALE`, ...)
 * still reach the browser; the layer's own cookies win on a name clash.
 */
function mergeI18nCookies(res, i18nRes) {
  if (!i18nRes?.headers) return
  const have = cookieNames(res)
  const list = i18nRes.headers.getSetCookie ? i18nRes.headers.getSetCookie() : []
  const add = list.filter((line) => !have.has(line.slice(0, line.indexOf('=')).trim()))
  if (add.length) setLayerCookies(res, add)
}

// ---------------------------------------------------------------- errors and hooks

/** `onError(error)` that never throws itself. */
function errorReporter(onError) {
  return (err) => {
    const e = err instanceof Error ? err : new Error(String(err))
    if (!onError) return
    try {
      const r = onError(e)
      if (r && typeof r.catch === 'function') r.catch(() => {})
    } catch {
      // a reporter must not break the request it reports on
    }
  }
}

/** Runs a user hook; a throw is reported through `onError` and rethrown. */
async function runHook(report, name, fn, ...args) {
  try {
    return await fn(...args)
  } catch (err) {
    if (err && typeof err === 'object' && !err.hook) {
      try {
        err.hook = name
      } catch {}
    }
    report(err)
    throw err
  }
}

// ---------------------------------------------------------------- refresh.store

const sha256 = (t) => createHash('sha256').update(t).digest('hex')

function cookieValue(header, name) {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim() || undefined
  }
  return undefined
}

function replaceCookie(header, name, value) {
  let found = false
  const parts = header
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const i = p.indexOf('=')
      if (i > 0 && p.slice(0, i) === name) {
        found = true
        return `${name}=${value}`
      }
      return p
    })
  if (!found) parts.push(`${name}=${value}`)
  return parts.join('; ')
}

/**
 * next-api-layer's `refresh.store`: a refresh result shared across instances. Keys are the
 * SHA-256 of the credential the refresh is made with (the refresh cookie in dual-token mode,
 * else the access token); values carry an absolute `expiresAt`, checked on read. A store that
 * throws is reported through `onError`; the request goes on as if it had missed.
 */
function createRefreshStore(config, report) {
  const store = config.refresh?.store
  if (store === undefined || store === null) return undefined
  if (
    typeof store !== 'object' ||
    typeof store.get !== 'function' ||
    typeof store.set !== 'function'
  ) {
    const { configError } = require('../shared/config-error')
    throw configError('refresh.store must be an object with get(key) and set(key, value, ttlMs)')
  }
  // The native shared store (`store`) coordinates refreshes across instances; the engine
  // has said once that refresh.store is not used then.
  if (config.store) return undefined
  const ttl = config.refresh.storeTtlMs ?? 60_000
  if (typeof ttl !== 'number' || !(ttl > 0)) {
    const { configError } = require('../shared/config-error')
    throw configError('refresh.storeTtlMs must be a positive number of milliseconds')
  }
  const userCookie = config.cookies?.user || 'userToken'
  const dual = Boolean(config.cookies?.refresh) || config.refresh?.style === 'cookie'
  const refreshCookie = config.cookies?.refresh || config.refresh?.cookie || 'refreshToken'

  return {
    userCookie,
    refreshCookie,
    dual,
    /** The store key of this request's refresh credential, or undefined. */
    keyOf(cookieHeader) {
      const cred = cookieValue(cookieHeader, dual ? refreshCookie : userCookie)
      return cred ? sha256(cred) : undefined
    },
    /** A fresh stored result for `key`, or undefined (missing, expired, malformed, store down). */
    async lookup(key) {
      let v
      try {
        v = await store.get(key)
      } catch (err) {
        report(err)
        return undefined
      }
      if (!v || typeof v !== 'object') return undefined
      if (typeof v.accessToken !== 'string' || !v.accessToken) return undefined
      if (typeof v.expiresAt !== 'number' || !(v.expiresAt > Date.now())) return undefined
      return v
    },
    /** The cookie header with the stored tokens in place of the old ones. */
    substitute(cookieHeader, v) {
      let h = replaceCookie(cookieHeader, userCookie, v.accessToken)
      if (dual && typeof v.refreshToken === 'string' && v.refreshToken) {
        h = replaceCookie(h, refreshCookie, v.refreshToken)
      }
      return h
    },
    async save(key, setCookies) {
      const find = (name) => {
        const line = setCookies.find((l) => l.startsWith(`${name}=`))
        return line ? parseSetCookie(line)?.value : undefined
      }
      const accessToken = find(userCookie)
      if (!accessToken) return
      const value = {
        accessToken,
        refreshToken: dual ? (find(refreshCookie) ?? null) : null,
        expiresAt: Date.now() + ttl,
      }
      try {
        await store.set(key, value, ttl)
      } catch (err) {
        report(err)
      }
    },
  }
}

// ---------------------------------------------------------------- rate limit facts

/**
 * What the adapter adds to the facts for the rate limiter: the prefetch flag
 * (`rateLimit.skipPrefetch`) and, when the deployment says a proxy sets them
 * (`rateLimit.trustedProxies`), the client IP from `rateLimit.ipHeaders`.
 */
function rateLimitFacts(config) {
  const rl = config.rateLimit
  const enabled = rl === true || (rl && typeof rl === 'object' && rl.enabled !== false)
  if (!enabled) return undefined
  const opts = typeof rl === 'object' ? rl : {}
  const skipPrefetch = opts.skipPrefetch !== false
  const trusted = Number(opts.trustedProxies) > 0
  const headers = Array.isArray(opts.ipHeaders)
    ? opts.ipHeaders.map((h) => String(h).toLowerCase())
    : DEFAULT_IP_HEADERS
  if (Array.isArray(opts.ipHeaders) && !trusted && !opts.keyFn) {
    console.warn(
      '[next-api-layer-native] config: rateLimit.ipHeaders is ignored without rateLimit.trustedProxies: ' +
        'a client can send any of these headers, so they are read only when a proxy you run sets them',
    )
  }
  return {
    prefetch(req) {
      if (!skipPrefetch) return false
      const m = req.method
      return (m === 'GET' || m === 'HEAD') && isPrefetchRequest(req)
    },
    /**
     * The client IP from the first single-value header of `ipHeaders` that has one, for the
     * `x-forwarded-for` fact; undefined leaves x-forwarded-for to the trusted-proxy rule.
     */
    clientIp(req) {
      if (!trusted || opts.keyFn) return undefined
      for (const name of headers) {
        if (name === 'x-forwarded-for') return undefined
        const v = req.headers.get(name)
        const ip = v?.split(',')[0].trim()
        if (ip && !/[\r\n]/.test(ip)) return ip
      }
      return undefined
    },
  }
}

module.exports = {
  KNOWN_FUNCTIONS,
  unknownFunctionOptions,
  reportUnknownFunctions,
  parseSetCookie,
  setLayerCookies,
  keepLayerCookies,
  mergeI18nCookies,
  errorReporter,
  runHook,
  createRefreshStore,
  rateLimitFacts,
  sha256,
}
