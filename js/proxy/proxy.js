// createAuthProxy: the Next.js 16 `proxy.ts` (Next.js 15 `middleware.ts`, runtime 'nodejs').
//
// Thin adapter: NextRequest -> plain facts -> ONE native decision -> NextResponse. A cache
// hit is answered synchronously by `engine.decide`; only `{ kind: 'pending' }` goes to
// `engine.decideAsync` (tokio). All policy lives in Rust (src/auth/decide.rs, src/auth/engine.rs).
// User callbacks (beforeAuth, afterAuth, i18n.middleware, function mappers) run here. The
// packed facts and decision are the engine's wire format (js/shared/wire.js).

const { getEngine, markProxyEngine, withCode } = require('../shared/engine')
const { configError, optionalFunction } = require('../shared/config-error')
const { INTERNAL_HEADERS, isInternalHeader } = require('../shared/internal-headers')
const { BARE_NEXT, carriesInternal, makePacker, unpackDecision } = require('../shared/wire')
const { attachAuditLogger } = require('./audit')
const { createDecisionMemo } = require('./decision-memo')
const compat = require('./compat')
const { warnSharedBucket } = require('../shared/shared-bucket')

let nextServer
function NextResponse() {
  if (!nextServer) nextServer = require('next/server')
  return nextServer.NextResponse
}

const OVERRIDE = 'x-middleware-override-headers'
const REQUEST_PREFIX = 'x-middleware-request-'

/** The request headers downstream code sees: incoming minus internal, plus the decision's. */
function downstreamHeaders(req, d) {
  const headers = new Headers(req.headers)
  for (const name of INTERNAL_HEADERS) headers.delete(name)
  const rh = d ? d.requestHeaders : []
  for (let i = 0; i < rh.length; i += 2) headers.set(rh[i], rh[i + 1])
  return headers
}

/**
 * `NextResponse.next({ request: { headers } })` without the intermediate Headers copy (about
 * half the cost): downstream sees the incoming headers minus internal ones, plus the decision's.
 * Next.js replaces the request's headers with exactly the listed ones, so every header is
 * listed. The request's headers are read again here rather than kept from the packer's pass:
 * only a rewritten request needs them, and keeping them cost every warm request an array.
 */
function nextWithRequestHeaders(NR, req, d) {
  // A plain object: undici's Headers#set costs about a microsecond per call.
  const out = { 'x-middleware-next': '1' }
  const rh = d.requestHeaders
  let names = ''
  for (const [k, v] of req.headers) {
    if (isInternalHeader(k) || ours(rh, k)) continue
    names += names ? `,${k}` : k
    out[REQUEST_PREFIX + k] = v
  }
  for (let i = 0; i < rh.length; i += 2) {
    names += names ? `,${rh[i]}` : rh[i]
    out[REQUEST_PREFIX + rh[i]] = rh[i + 1]
  }
  out[OVERRIDE] = names
  return new NR(null, { headers: out })
}

/** Is `name` one of the decision's request headers (a flat list of a few pairs)? */
function ours(rh, name) {
  for (let i = 0; i < rh.length; i += 2) if (rh[i] === name) return true
  return false
}

/** Makes `res` (a next/rewrite response) pass exactly `headers` downstream. */
function applyOverride(res, headers) {
  for (const key of [...res.headers.keys()]) {
    if (key.startsWith(REQUEST_PREFIX)) res.headers.delete(key)
  }
  const names = []
  for (const [k, v] of headers) {
    names.push(k)
    res.headers.set(REQUEST_PREFIX + k, v)
  }
  res.headers.set(OVERRIDE, names.join(','))
}

function continues(res) {
  return res.headers.has('x-middleware-next') || res.headers.has('x-middleware-rewrite')
}

/**
 * A response produced by user code (beforeAuth, afterAuth, i18n middleware): keep what it
 * asked for, but downstream never sees an internal header the engine did not set, and the
 * engine's cookies and headers survive.
 */
function adopt(res, req, d) {
  if (!res || typeof res !== 'object' || !res.headers) return res
  if (continues(res)) {
    const headers = downstreamHeaders(req, d)
    const list = res.headers.get(OVERRIDE)
    if (list) {
      const ours = new Set()
      const rh = d ? d.requestHeaders : []
      for (let i = 0; i < rh.length; i += 2) ours.add(rh[i])
      for (const raw of list.split(',')) {
        const n = raw.trim().toLowerCase()
        if (!n || isInternalHeader(n) || ours.has(n)) continue
        const v = res.headers.get(REQUEST_PREFIX + n)
        if (v !== null) headers.set(n, v)
      }
    }
    applyOverride(res, headers)
  }
  if (d) {
    compat.keepLayerCookies(res, d.setCookies)
    addHeaders(res, d)
  }
  return res
}

function addHeaders(res, d) {
  const h = d.responseHeaders
  for (let i = 0; i < h.length; i += 2) res.headers.set(h[i], h[i + 1])
}

/** The decision's cookies (through `res.cookies`, see compat.setLayerCookies) and headers. */
function addCookiesAndHeaders(res, d) {
  if (d.setCookies.length) compat.setLayerCookies(res, d.setCookies)
  addHeaders(res, d)
}

let bareInit

/**
 * What NR.next() makes, without its intermediate Headers copy (about a fifth of its cost). The
 * init holds a `Headers`: undici copies its entries as they are, where a plain object goes
 * through the WebIDL record converter first (~0.35 µs of ~1.4 per response measured). Shared
 * by every call: the constructors only read it (its entries are copied into the response's
 * own list, `init` is read for `url`, `nextConfig` and `request`).
 */
function bareNextResponse(NR) {
  if (!bareInit) bareInit = Object.freeze({ headers: new Headers({ 'x-middleware-next': '1' }) })
  return new NR(null, bareInit)
}

/** `internal`: the request carries an internal header (the packer's `i` flag) to strip. */
function toResponse(d, req, internal) {
  const NR = NextResponse()
  let res
  if (d.kind === 'redirect') {
    res = NR.redirect(new URL(d.location, req.url), d.status || 307)
  } else if (d.kind === 'json') {
    res = new NR(d.body, {
      status: d.status,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    })
  } else if (d.requestHeaders.length === 0 && !internal) {
    res = bareNextResponse(NR)
  } else {
    res = nextWithRequestHeaders(NR, req, d)
  }
  addCookiesAndHeaders(res, d)
  return res
}

function authResultOf(a) {
  let user
  return {
    isAuthenticated: a ? a.isAuthenticated : false,
    isGuest: a ? a.isGuest : false,
    tokenType: a?.tokenType ?? null,
    tokenSource: a?.tokenSource ?? null,
    refreshed: a ? a.refreshed : false,
    guestCreated: a ? a.guestCreated : false,
    error: a?.error ?? null,
    locale: a?.locale ?? null,
    /** 'excluded' | 'auth-api' when the proxy skipped auth for this path (next-api-layer 0.5). */
    bypassed: a?.bypassed,
    /** Why the refresh of the user token failed in this request, if it did. */
    refreshFail: a?.refreshFail ?? null,
    get user() {
      if (user === undefined) user = a?.userJson ? JSON.parse(a.userJson) : null
      return user
    },
  }
}

function isApiPath(req, prefix) {
  const p = (req.nextUrl || new URL(req.url)).pathname
  return p === prefix || p.startsWith(`${prefix}/`)
}

/**
 * Creates the auth proxy. Validates and serialises the config once (bad config throws
 * ERR_CONFIG_INVALID naming the option); the engine lives for the process.
 * @param {import('./proxy').AuthProxyConfig} config
 */
function createAuthProxy(config) {
  if (!config || typeof config !== 'object' || Array.isArray(config)) {
    throw configError('config must be an object')
  }
  const beforeAuth = optionalFunction(config.beforeAuth, 'beforeAuth')
  const afterAuth = optionalFunction(config.afterAuth, 'afterAuth')
  const i18nMiddleware = optionalFunction(config.i18n?.middleware, 'i18n.middleware')
  const onError = optionalFunction(config.onError, 'onError')
  const onRefreshFail = optionalFunction(config.refresh?.onRefreshFail, 'refresh.onRefreshFail')
  compat.reportUnknownFunctions(config)
  const engine = getEngine(config)
  markProxyEngine(engine, config)
  const report = compat.errorReporter(onError)
  const store = compat.createRefreshStore(config, report)
  const apiPrefix = config.access?.apiPrefix || '/api'
  const wantAuth = Boolean(afterAuth || onError || onRefreshFail || store)
  // ---- security (rate limit keyFn / onRateLimited, CSRF header, audit logger) ----
  const keyFn = optionalFunction(config.rateLimit?.keyFn, 'rateLimit.keyFn')
  const onRateLimited = optionalFunction(config.rateLimit?.onRateLimited, 'rateLimit.onRateLimited')
  const auditLogger = optionalFunction(config.audit?.logger, 'audit.logger')
  const rl = compat.rateLimitFacts(config)
  // Bare "go on" answers kept by their facts, when no JS hook sees the request (the engine
  // keeps nothing for what must see every request: rate limit, audit, CSRF on unsafe methods).
  const memo =
    wantAuth || i18nMiddleware || rl || beforeAuth || keyFn ? null : createDecisionMemo(engine)
  const pack = makePacker(config.csrf?.headerName, memo !== null)
  const rlOpts = config.rateLimit
  warnSharedBucket('rateLimit', {
    enabled: rl !== undefined,
    keyFn,
    trustedProxies: rlOpts?.trustedProxies,
  })
  if (auditLogger && config.audit?.enabled !== false) {
    attachAuditLogger(engine, auditLogger)
  }
  // ---- end security ----

  /** Facts overrides: the prefetch flag, the client IP from ipHeaders (rateLimit). */
  function overrides(req) {
    if (!rl) return undefined
    const xff = rl.clientIp(req)
    return { prefetch: rl.prefetch(req), headers: xff ? { 'x-forwarded-for': xff } : undefined }
  }

  /**
   * The full decision: sync from the cache, else async (after a look in refresh.store).
   * `packed.internal` is set to whether the request carries an internal header to strip.
   */
  async function decideFor(req, rateLimitKey, packed) {
    const over = overrides(req)
    const facts = pack(req, wantAuth, rateLimitKey, over)
    packed.internal = carriesInternal(facts)
    const s = engine.decidePacked(facts)
    if (s.startsWith('pending')) return decidePending(req, rateLimitKey, facts, over)
    return unpackDecision(s, wantAuth)
  }

  /**
   * A decision the cache could not give (`facts` packed, the engine answered 'pending'):
   * a look in refresh.store, then the engine's async path.
   */
  async function decidePending(req, rateLimitKey, facts, over) {
    let s
    let key
    if (store) {
      const cookie = req.headers.get('cookie') || ''
      key = store.keyOf(cookie)
      const stored = key ? await store.lookup(key) : undefined
      if (stored) {
        // Another instance refreshed this token moments ago: go on with its result
        // instead of refreshing again (a reuse-detecting backend would call that theft).
        const substituted = store.substitute(cookie, stored)
        const withStored = pack(req, wantAuth, rateLimitKey, {
          ...over,
          headers: { ...over?.headers, cookie: substituted },
        })
        s = engine.decidePacked(withStored)
        if (s.startsWith('pending')) s = await engine.decideAsyncPacked(withStored)
        const d = unpackDecision(s, wantAuth)
        if (d.auth?.isAuthenticated) adoptStored(d, stored, substituted)
        return d
      }
    }
    s = await engine.decideAsyncPacked(facts)
    const d = unpackDecision(s, wantAuth)
    if (store && key && d.auth?.refreshed) await store.save(key, d.setCookies)
    return d
  }

  /** The browser and downstream code get the stored tokens, as after a refresh here. */
  function adoptStored(d, stored, cookieHeader) {
    const opts = { path: '/', httpOnly: true, sameSite: 'lax', ...(config.cookies?.options || {}) }
    const secure = opts.secure ?? process.env.NODE_ENV === 'production'
    const line = (name, value, o, maxAge) =>
      `${name}=${value}; Path=${o.path || '/'}; Max-Age=${maxAge}${o.domain ? `; Domain=${o.domain}` : ''}${
        o.httpOnly !== false ? '; HttpOnly' : ''
      }${secure ? '; Secure' : ''}; SameSite=${String(o.sameSite || 'lax').replace(/^./, (c) => c.toUpperCase())}`
    const age = opts.maxAge ?? 7 * 24 * 3600
    d.setCookies.push(line(store.userCookie, stored.accessToken, opts, age))
    if (store.dual && typeof stored.refreshToken === 'string' && stored.refreshToken) {
      const ro = { ...opts, ...(config.cookies?.refreshOptions || {}) }
      d.setCookies.push(line(store.refreshCookie, stored.refreshToken, ro, ro.maxAge ?? age))
    }
    d.requestHeaders.push('cookie', cookieHeader)
  }

  /** The rate-limit key from `rateLimit.keyFn(req)`; a throwing keyFn falls back to the IP. */
  async function rateLimitKeyOf(req) {
    try {
      const key = await keyFn(req)
      if (key === undefined || key === null || key === '') return undefined
      // Line breaks would end the packed facts field early.
      return String(key).replace(/[\r\n]/g, ' ')
    } catch (err) {
      // Fall back to the client IP: a broken keyFn must not turn off rate limiting.
      console.error('[next-api-layer-native] rateLimit.keyFn threw:', err)
      report(err)
      return undefined
    }
  }

  /** Never crash the server: APIs get a 503 JSON, pages go on unauthenticated. */
  function failed(req, err) {
    console.error('[next-api-layer-native] auth proxy error:', withCode(err))
    report(err)
    if (isApiPath(req, apiPrefix)) {
      return NextResponse().json(
        { success: false, message: 'Authentication service unavailable.', code: 'ERR_INTERNAL' },
        { status: 503 },
      )
    }
    return NextResponse().next({ request: { headers: downstreamHeaders(req, null) } })
  }

  function reportTrouble(d) {
    if (d.auth?.error && onError) {
      const e = new Error(`auth backend trouble: ${d.auth.error}`)
      e.code = d.auth.error
      report(e)
    }
  }

  /** Does answering `d` run user code (hooks that may be async)? */
  function runsHooks(d) {
    return Boolean(
      afterAuth ||
        i18nMiddleware ||
        (d.auth?.refreshFail && onRefreshFail) ||
        (d.kind === 'json' && d.status === 429 && onRateLimited),
    )
  }

  /** The response for decision `d`, after the hooks that apply to it. */
  async function respond(d, req, internal) {
    reportTrouble(d)
    if (d.auth?.refreshFail && onRefreshFail) {
      try {
        await onRefreshFail(d.auth.refreshFail, req)
      } catch (err) {
        // Telemetry never breaks the request.
        report(err)
      }
    }
    if (d.kind === 'json' && d.status === 429 && onRateLimited) {
      const custom = await compat.runHook(report, 'rateLimit.onRateLimited', onRateLimited, req)
      if (custom && typeof custom === 'object' && custom.headers) {
        const h = d.responseHeaders
        for (let i = 0; i < h.length; i += 2) {
          if (!custom.headers.has(h[i])) custom.headers.set(h[i], h[i + 1])
        }
        // A custom answer that lets the request go on must not pass a forged internal header.
        return continues(custom) ? adopt(custom, req, null) : custom
      }
    }
    let res = toResponse(d, req, internal)
    if (i18nMiddleware) {
      const r = await compat.runHook(report, 'i18n.middleware', i18nMiddleware, req)
      if (d.kind === 'next') {
        if (r) res = adopt(r, req, d)
      } else {
        // An auth redirect (or JSON answer) wins, but NEXT_LOCALE and the i18n middleware's
        // other cookies still reach the browser.
        compat.mergeI18nCookies(res, r)
      }
    }
    if (afterAuth) {
      const r = await compat.runHook(report, 'afterAuth', afterAuth, req, res, authResultOf(d.auth))
      if (r && r !== res) res = adopt(r, req, d)
      else if (r === res) compat.keepLayerCookies(res, d.setCookies)
    }
    return res
  }

  /** The whole flow: beforeAuth, keyFn, the decision (sync or async), the hooks. */
  async function viaHooks(req) {
    if (beforeAuth) {
      const early = await compat.runHook(report, 'beforeAuth', beforeAuth, req)
      if (early) return adopt(early, req, null)
    }
    const rateLimitKey = keyFn ? await rateLimitKeyOf(req) : undefined
    const packed = { internal: false }
    return answer(req, packed, decideFor(req, rateLimitKey, packed))
  }

  /**
   * The response once `decision` (a promise) settles; a failure answers as `failed`.
   * `packed.internal`: the packer's `i` flag, known once `decision` has packed the facts.
   */
  async function answer(req, packed, decision) {
    let d
    try {
      d = await decision
    } catch (err) {
      return failed(req, err)
    }
    return respond(d, req, packed.internal)
  }

  /**
   * The proxy. A cache hit with no hook to run is answered in this call, with no promise of
   * ours but the one returned (under Next.js's async-context tracking each await costs): one
   * string into the engine, one out (or none, from the memo), and the response. Anything else
   * takes `viaHooks`.
   */
  function authProxy(req) {
    if (beforeAuth || keyFn) return viaHooks(req)
    let d
    let internal
    try {
      const over = overrides(req)
      const facts = pack(req, wantAuth, undefined, over)
      const s = memo === null ? engine.decidePacked(facts) : memo.decide(facts)
      internal = carriesInternal(facts)
      // The usual warm answer: go on unchanged. Nothing to unpack, no hook can apply ('n' is
      // never sent when the auth result is asked for, so afterAuth and onError are absent).
      if (s === BARE_NEXT && !internal && !i18nMiddleware) {
        return Promise.resolve(bareNextResponse(NextResponse()))
      }
      // The backend is needed: on with the same facts (a pending answer counted nothing).
      if (s.startsWith('pending'))
        return answer(req, { internal }, decidePending(req, undefined, facts, over))
      d = unpackDecision(s, wantAuth)
    } catch (err) {
      return Promise.resolve(failed(req, err))
    }
    if (runsHooks(d)) return respond(d, req, internal)
    reportTrouble(d)
    return Promise.resolve(toResponse(d, req, internal))
  }

  /** Counters: cache hits/misses, backend calls, coalesced waiters, backend errors. */
  authProxy.stats = () => {
    const s = engine.stats()
    if (memo !== null && memo.hits > 0) {
      s.cacheHits += memo.hits
      s.syncDecisions += memo.hits
    }
    return s
  }
  return authProxy
}

module.exports = { createAuthProxy }
