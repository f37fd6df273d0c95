// getServerUser and helpers for server components, route handlers and server actions
// (`next-api-layer-native/server`).
//
// Fast path: the `x-auth-user` request header the auth proxy set for this request, trusted
// only with a valid `x-auth-user-sig` (an HMAC under a secret that lives in this process's
// addon), so a forged header on a route the proxy does not cover is never believed.
// On an unchanged request (`userHeader: 'auto'`, the default) the proxy sends no header:
// called without backend options, the user is read from the auth proxy's own engine by the
// request's cookie (its cache judged this token moments ago; no backend call).
// Fallback: the token from `x-refreshed-token` / the user cookie / the guest cookie, judged by
// the SAME native engine and cache as the proxy (one coalesced backend call at most).

const { getEngine, findEngine, proxyEngines, sessionOf, withCode } = require('../shared/engine')
const native = require('../shared/native')
const { isDuplicatedCookie, parseCookieHeader } = require('../shared/cookie-header')
const { verifiedRefreshedToken } = require('../shared/refreshed-token')

/** `NEXT_API_LAYER_DEBUG=1` logs which path getServerUser took (stderr). */
const debug = process.env.NEXT_API_LAYER_DEBUG === '1'

function nextHeaders() {
  return require('next/headers')
}

function envBaseUrl() {
  return (
    process.env.API_BASE_URL ||
    process.env.NEXT_PUBLIC_API_URL ||
    process.env.NEXT_PUBLIC_API_BASE_URL ||
    undefined
  )
}

function names(options) {
  return {
    userCookie: options.userCookie || 'userToken',
    guestCookie: options.guestCookie || 'guestToken',
  }
}

/** Cookie reader over a raw `cookie` header (for a plain `Request`), parsed on first use. */
function cookieJar(header) {
  let jar
  return {
    get(name) {
      jar ??= parseCookieHeader(header)
      return jar.has(name) ? { name, value: jar.get(name) } : undefined
    },
  }
}

/** Headers and cookies of `options.request` (a route handler's): no await, no promise. */
function stateOf(req) {
  const c = req.cookies && typeof req.cookies.get === 'function' ? req.cookies : null
  return { h: req.headers, c: c || cookieJar(req.headers.get('cookie')) }
}

/** Headers and cookies of the current request from next/headers. */
async function nextState() {
  const { headers, cookies } = nextHeaders()
  const [h, c] = await Promise.all([headers(), cookies()])
  return { h, c }
}

function tokenFrom(h, c, options, refreshed = verifiedRefreshedToken(h)) {
  const { userCookie, guestCookie } = names(options)
  if (refreshed) return refreshed
  // cookies() keeps the last of a repeated name; the layer reads none (see cookie-header.js)
  const raw = h.get('cookie')
  const read = (name) => (isDuplicatedCookie(raw, name) ? undefined : c.get(name)?.value)
  return read(userCookie) || read(guestCookie) || null
}

function decodeAuthUser(value) {
  try {
    const user = JSON.parse(Buffer.from(value, 'base64').toString('utf8'))
    return user && typeof user === 'object' ? user : null
  } catch {
    return null
  }
}

/** Options that name a backend or cookies: the caller chose the engine, not the proxy. */
function namesBackend(options) {
  return Boolean(
    options.apiBaseUrl ||
      options.validateEndpoint ||
      options.userCookie ||
      options.guestCookie ||
      options.parseResponse ||
      options.validate,
  )
}

/**
 * The request's session as an auth proxy of this process judged it, from that engine's cache
 * (each with its own cookie names): `{ user, token }`, or null when none has it. One native
 * call picks the token from the raw cookie header and answers the user JSON; a repeat of the
 * same header is answered from a memo the engine voids when it changes its mind (engine.js).
 */
function fromProxyEngine(h, refreshed) {
  const raw = h.get('cookie')
  if (!raw && !refreshed) return null
  for (const { engine } of proxyEngines()) {
    const s = sessionOf(engine, raw, refreshed)
    if (s !== null) return { user: JSON.parse(s.json), token: s.token }
  }
  return null
}

function engineFor(options) {
  const apiBaseUrl = options.apiBaseUrl || envBaseUrl()
  const validate = options.validateEndpoint || 'auth/me'
  const { userCookie, guestCookie } = names(options)
  if (!options.parseResponse && !options.validate) {
    const shared = findEngine({ apiBaseUrl, validate, userCookie, guestCookie })
    if (shared) return shared
  }
  const config = {
    apiBaseUrl,
    cookies: { user: userCookie, guest: guestCookie },
    endpoints: { validate },
  }
  if (options.parseResponse) config.responseMappers = { parseAuthMe: options.parseResponse }
  // Local JWT verification, as the proxy's `validate` option (when no proxy engine is shared).
  if (options.validate) config.validate = options.validate
  return getEngine(config)
}

function result(user, token, options) {
  if (!user) return { user: null, isAuthenticated: false, isGuest: false, token: token || null }
  const isGuest = options.isGuestFn ? Boolean(options.isGuestFn(user)) : user.type === 'guest'
  return { user, isAuthenticated: !isGuest, isGuest, token: token || null }
}

/**
 * The current user in a server component / route handler / server action.
 * @param {import('./get-server-user').GetServerUserOptions} [options]
 * @returns {Promise<import('./get-server-user').ServerUserResult>}
 */
async function getServerUser(options = {}) {
  // A route handler's request is read without an await: in a server every promise also
  // costs Next.js's async-context hooks.
  const { h, c } = options.request ? stateOf(options.request) : await nextState()
  const refreshed = verifiedRefreshedToken(h)
  if (!options.skipHeader) {
    const header = h.get('x-auth-user')
    const sig = header && h.get('x-auth-user-sig')
    const user = sig && native.verifyAuthUser(header, sig) ? decodeAuthUser(header) : null
    if (user) {
      if (debug) console.error('[next-api-layer-native] getServerUser: signed x-auth-user')
      return result(user, tokenFrom(h, c, options, refreshed), options)
    }
  }
  // Read from the proxy's engine before anything else: an unchanged request's usual path.
  if (!namesBackend(options)) {
    const judged = fromProxyEngine(h, refreshed)
    if (judged) {
      if (debug) console.error("[next-api-layer-native] getServerUser: the proxy engine's cache")
      return result(judged.user, judged.token, options)
    }
  }
  const token = tokenFrom(h, c, options, refreshed)
  if (!token) return result(null, null, options)
  if (debug) console.error('[next-api-layer-native] getServerUser: validating through the engine')
  const engine = engineFor(options)
  let v = engine.validateCached(token)
  if (!v) {
    try {
      v = await engine.validate(token)
    } catch (err) {
      throw withCode(err)
    }
  }
  if (v.status !== 'valid') return result(null, token, options)
  return result(JSON.parse(v.userJson), token, options)
}

/**
 * The token this request acts with: a token refreshed by the proxy in this request, then the
 * user cookie, then the guest cookie.
 */
async function getServerToken(options = {}) {
  const { h, c } = options.request ? stateOf(options.request) : await nextState()
  return tokenFrom(h, c, options)
}

/** True when the request carries a valid user (not guest) session. */
async function isAuthenticatedServer(options = {}) {
  return (await getServerUser(options)).isAuthenticated
}

module.exports = { getServerUser, getServerToken, isAuthenticatedServer }
