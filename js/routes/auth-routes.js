// createAuthRoutes: ready-made route handlers for login, logout, me, refresh and register.
//
// They call the backend, keep the tokens in httpOnly cookies (built natively by the engine's
// cookie builder, the same attributes the auth proxy writes) and give the browser the user,
// never a token. This is what AuthProvider talks to by default.

const native = require('../shared/native')
const { configError, optionalOf } = require('../shared/config-error')
const { findCsrfEngine, revokeToken } = require('../shared/engine')
const { normalizeBackendError } = require('../shared/backend-errors')
const { verifiedRefreshedToken } = require('../shared/refreshed-token')
const {
  AnswerTooLarge,
  isDefiniteRejection,
  readTextCapped,
  warnMissingEndpoint,
} = require('../shared/backend-answer')

const ACTIONS = {
  login: 'POST',
  register: 'POST',
  logout: 'POST',
  refresh: 'POST',
  me: 'GET',
}

const DEFAULT_ENDPOINTS = {
  login: 'auth/login',
  register: 'auth/register',
  logout: 'auth/logout',
  me: 'auth/me',
  refresh: 'auth/refresh',
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function optionalObject(v, option) {
  if (v === undefined || v === null) return {}
  if (!isObject(v)) throw configError(`${option} must be an object`)
  return v
}

function baseUrl(raw) {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw configError('apiBaseUrl is required (the backend base URL)')
  }
  let url
  try {
    url = new URL(raw.trim())
  } catch {
    throw configError(`apiBaseUrl is not a valid URL (got "${raw}")`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw configError('apiBaseUrl must use http or https')
  }
  if (url.search || url.hash) throw configError('apiBaseUrl must not have a query or fragment')
  return url.href.replace(/\/+$/, '')
}

function endpointUrl(base, value, option) {
  if (typeof value !== 'string' || value.trim() === '') {
    throw configError(`${option} must be a non-empty string`)
  }
  if (/^https?:\/\//i.test(value)) return baseUrl(value)
  if (value.includes('..') || value.includes('\\') || value.includes('//')) {
    throw configError(`${option} must be a path relative to apiBaseUrl`)
  }
  return `${base}/${value.replace(/^\/+/, '')}`
}

/**
 * Default mapper of the backend's login/register/refresh JSON:
 * `{ data: { token | access_token, refresh_token?, user? } }` (or the same fields at the top).
 */
function defaultParseAuthResponse(json) {
  const d = isObject(json?.data) ? json.data : json
  if (!isObject(d)) return null
  const token = d.token ?? d.access_token ?? d.accessToken
  if (typeof token !== 'string' || token === '') return null
  const refreshToken = d.refresh_token ?? d.refreshToken
  return {
    token,
    refreshToken:
      typeof refreshToken === 'string' && refreshToken !== '' ? refreshToken : undefined,
    user: isObject(d.user) ? d.user : undefined,
  }
}

/** Default mapper of the backend's `me` JSON: `{ data: user }` (or `{ user }`). */
function defaultParseUserResponse(json) {
  if (isObject(json?.data)) return isObject(json.data.user) ? json.data.user : json.data
  if (isObject(json?.user)) return json.user
  return null
}

function json(status, body, setCookies = [], extra) {
  const headers = new Headers(extra)
  headers.set('content-type', 'application/json; charset=utf-8')
  headers.set('cache-control', 'no-store')
  for (const c of setCookies) headers.append('set-cookie', c)
  return new Response(JSON.stringify(body), { status, headers })
}

/**
 * A failure body from the backend, reduced to what the browser may see (never tokens): its
 * message and field errors as `parseError` (default: ../shared/backend-errors.js) reads them.
 */
function failureBody(status, backendJson, fallback, parseError, info) {
  const body = { success: false, message: fallback }
  const found = backendJson === null ? null : parseError(backendJson, info)
  if (isObject(found)) {
    if (typeof found.message === 'string' && found.message) body.message = found.message
    if (isObject(found.errors) && Object.keys(found.errors).length > 0) body.errors = found.errors
  }
  if (status === 401 && body.message === fallback) body.message = 'Unauthenticated.'
  return body
}

/** Thrown by readLimited when a body is larger than `maxBodyBytes`. */
class BodyTooLarge extends Error {}

/** The whole body, but never more than `max` bytes in memory (the stream is cancelled then). */
async function readLimited(request, max) {
  const declared = Number(request.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > max) throw new BodyTooLarge()
  if (!request.body) return new Uint8Array(0)
  const chunks = []
  let size = 0
  const reader = request.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel().catch(() => {})
      throw new BodyTooLarge()
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, size)
}

async function readCredentials(request, max) {
  const type = request.headers.get('content-type') || ''
  const bytes = await readLimited(request, max)
  if (/multipart\/form-data|application\/x-www-form-urlencoded/i.test(type)) {
    const form = await new Response(bytes, { headers: { 'content-type': type } }).formData()
    const out = {}
    for (const [k, v] of form) if (typeof v === 'string') out[k] = v
    return out
  }
  const text = Buffer.from(bytes).toString('utf8')
  if (text.trim() === '') return {}
  const value = JSON.parse(text)
  if (!isObject(value)) throw new SyntaxError('body must be a JSON object')
  return value
}

/** The user the auth proxy put in `x-auth-user` for this request, if its signature holds. */
function verifiedProxyUser(headers) {
  const value = headers.get('x-auth-user')
  const sig = headers.get('x-auth-user-sig')
  if (!value || !sig || typeof native.verifyAuthUser !== 'function') return null
  if (!native.verifyAuthUser(value, sig)) return null
  try {
    const user = JSON.parse(Buffer.from(value, 'base64').toString('utf8'))
    return isObject(user) ? user : null
  } catch {
    return null
  }
}

/** The account a login/register is for (the usual identifier fields), normalised. */
function accountOf(credentials) {
  for (const k of ['email', 'username', 'login', 'phone', 'name', 'user']) {
    const v = credentials?.[k]
    if (typeof v === 'string' && v.trim()) return v.trim().toLowerCase().slice(0, 256)
  }
  return ''
}

/**
 * `rateLimit`: login and register attempts limited per account identifier + client address
 * (by the trusted-proxy rule), natively (GCRA, bounded memory). Keying on the account means
 * that without a client address (a bare `next start` gives none) one attacker still cannot
 * lock everyone out: only the accounts it tries, and those only from clients without an
 * address. Off unless configured; `true` is 5 attempts per minute.
 */
function attemptLimiter(option) {
  if (option === undefined || option === null || option === false) return null
  const o = option === true ? {} : option
  if (!isObject(o)) throw configError('rateLimit must be true, false or an object')
  for (const k of Object.keys(o)) {
    if (!['maxRequests', 'windowMs', 'trustedProxies', 'maxKeys'].includes(k)) {
      throw configError(`rateLimit.${k} is not a known option`)
    }
  }
  const trusted = o.trustedProxies ?? 0
  if (!Number.isInteger(trusted) || trusted < 0 || trusted > 16) {
    throw configError('rateLimit.trustedProxies must be an integer between 0 and 16')
  }
  for (const k of ['maxRequests', 'windowMs', 'maxKeys']) {
    if (o[k] !== undefined && (!Number.isInteger(o[k]) || o[k] < 1)) {
      throw configError(`rateLimit.${k} must be a positive integer`)
    }
  }
  const native_ = new native.KeyedLimiter({
    maxRequests: o.maxRequests ?? 5,
    windowMs: o.windowMs ?? 60000,
    maxKeys: o.maxKeys,
    option: 'rateLimit',
  })
  if (trusted === 0) {
    console.warn(
      '[next-api-layer-native] auth routes: rateLimit.trustedProxies is 0, so login attempts are limited per account only (no client address is trusted). Behind a reverse proxy set it to the number of proxies.',
    )
  }
  return {
    check(action, credentials, request) {
      const h = request.headers
      const client =
        native.clientAddress(
          trusted,
          h.get('x-forwarded-for') ?? undefined,
          h.get('x-real-ip') ?? undefined,
          undefined,
        ) ?? 'unknown'
      const r = native_.check(`${action}\n${accountOf(credentials)}\n${client}`)
      if (r.allowed) return null
      const headers = {}
      for (let i = 0; i + 1 < r.headers.length; i += 2) headers[r.headers[i]] = r.headers[i + 1]
      return json(
        429,
        { success: false, message: 'Too many attempts. Please try again later.' },
        [],
        headers,
      )
    },
  }
}

/**
 * @param {import('./auth-routes').AuthRoutesConfig} [config]
 * @returns {import('./auth-routes').AuthRoutes}
 */
function createAuthRoutes(config = {}) {
  if (!isObject(config)) throw configError('config must be an object')
  const base = baseUrl(config.apiBaseUrl ?? process.env.API_BASE_URL ?? process.env.BACKEND_API_URL)
  const endpointsCfg = optionalObject(config.endpoints, 'endpoints')
  const endpoints = {}
  for (const [action, dflt] of Object.entries(DEFAULT_ENDPOINTS)) {
    endpoints[action] = endpointUrl(base, endpointsCfg[action] ?? dflt, `endpoints.${action}`)
  }
  const cookiesCfg = optionalObject(config.cookies, 'cookies')
  const cookieOptions = optionalObject(cookiesCfg.options, 'cookies.options')
  const refreshCfg = optionalObject(config.refresh, 'refresh')
  const timeout = config.timeout ?? 10000
  const maxBodyBytes = config.maxBodyBytes ?? 1024 * 1024
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw configError('maxBodyBytes must be a positive integer (bytes)')
  }
  const limiter = attemptLimiter(config.rateLimit)
  const maxResponseBytes = config.maxResponseBytes ?? 1024 * 1024
  if (!Number.isInteger(maxResponseBytes) || maxResponseBytes <= 0) {
    throw configError('maxResponseBytes must be a positive integer (bytes)')
  }
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw configError('timeout must be a positive number of milliseconds')
  }
  const refreshStyle = refreshCfg.style ?? 'auto'
  if (!['auto', 'bearer', 'cookie'].includes(refreshStyle)) {
    throw configError("refresh.style must be 'auto', 'bearer' or 'cookie'")
  }
  const refreshField = refreshCfg.bodyField ?? 'refresh_token'
  if (typeof refreshField !== 'string' || refreshField === '') {
    throw configError('refresh.bodyField must be a non-empty string')
  }
  const logoutCfg = optionalObject(config.logout, 'logout')
  for (const key of ['sendAccessToken', 'sendRefreshToken']) {
    optionalOf('boolean', logoutCfg[key], `logout.${key}`)
  }
  const logoutField = logoutCfg.bodyField ?? refreshField
  if (typeof logoutField !== 'string' || logoutField === '') {
    throw configError('logout.bodyField must be a non-empty string')
  }
  for (const key of ['parseAuthResponse', 'parseUserResponse', 'parseErrorResponse', 'onError']) {
    if (config[key] !== undefined && typeof config[key] !== 'function') {
      throw configError(`${key} must be a function`)
    }
  }
  optionalOf('boolean', config.csrf, 'csrf')
  const csrfOn = config.csrf !== false
  const parseAuth = config.parseAuthResponse ?? defaultParseAuthResponse
  const parseUser = config.parseUserResponse ?? defaultParseUserResponse
  const parseError = config.parseErrorResponse ?? normalizeBackendError
  optionalOf('boolean', config.production, 'production')
  const production = config.production ?? process.env.NODE_ENV === 'production'
  // typed before they reach the addon (its own type errors would not name the option)
  optionalOf('string', cookiesCfg.user ?? config.userCookieName, 'cookies.user')
  optionalOf('string', cookiesCfg.guest ?? config.guestCookieName, 'cookies.guest')
  optionalOf('string', refreshCfg.cookie ?? config.refreshCookieName, 'refresh.cookie')
  optionalOf('number', refreshCfg.maxAge, 'refresh.maxAge')
  for (const key of ['httpOnly', 'secure']) {
    optionalOf('boolean', cookieOptions[key], `cookies.options.${key}`)
  }
  for (const key of ['sameSite', 'path', 'domain']) {
    optionalOf('string', cookieOptions[key], `cookies.options.${key}`)
  }
  optionalOf('number', cookieOptions.maxAge, 'cookies.options.maxAge')

  // `cookies.hostPrefix`: `__Host-<name>`, as the auth proxy names them
  optionalOf('boolean', cookiesCfg.hostPrefix, 'cookies.hostPrefix')
  if (cookiesCfg.hostPrefix === true && cookieOptions.domain !== undefined) {
    throw configError('cookies.hostPrefix cannot be used with cookies.options.domain')
  }
  const hostName = (n, dflt) => {
    const name = n ?? dflt
    return cookiesCfg.hostPrefix === true && !name.startsWith('__Host-') ? `__Host-${name}` : name
  }
  const jar = new native.AuthCookieJar({
    userCookieName: hostName(cookiesCfg.user ?? config.userCookieName, 'userToken'),
    guestCookieName: hostName(cookiesCfg.guest ?? config.guestCookieName, 'guestToken'),
    refreshCookieName: hostName(refreshCfg.cookie ?? config.refreshCookieName, 'refreshToken'),
    httpOnly: cookieOptions.httpOnly,
    sameSite: cookieOptions.sameSite,
    secure: cookieOptions.secure,
    path: cookieOptions.path,
    domain: cookieOptions.domain,
    production: production === true,
    maxAge: cookieOptions.maxAge,
    refreshMaxAge: refreshCfg.maxAge,
  })

  // The auth proxy's engine for the same backend and cookie names, found when first needed
  // (proxy.ts may build it after this module is loaded).
  const csrfLookup = {
    apiBaseUrl: base,
    endpoints: { validate: endpointsCfg.me ?? DEFAULT_ENDPOINTS.me },
    cookies: { user: jar.userCookieName, guest: jar.guestCookieName },
  }
  let csrfEngine

  /**
   * `cookies` plus the CSRF cookie bound to the new session (`token`; none: anonymous), minted
   * natively by the auth proxy's engine, so an unsafe request right after a login, logout or
   * refresh passes the proxy's CSRF check without a navigation in between.
   */
  async function withCsrf(cookies, token) {
    if (!csrfOn) return cookies
    csrfEngine ??= findCsrfEngine(csrfLookup)
    if (!csrfEngine) return cookies
    try {
      const set = await csrfEngine.csrfCookie(token ?? null)
      return set ? [...cookies, set] : cookies
    } catch (error) {
      report(error, { action: 'csrf', status: 200 })
      return cookies
    }
  }

  function report(error, info) {
    const detail = error?.cause?.code || error?.cause?.message || error?.message
    console.error(`[next-api-layer-native] auth ${info.action} failed: ${detail}`)
    if (config.onError) {
      try {
        config.onError(error, info)
      } catch {}
    }
  }

  /** Reports a backend answer that cannot be used (`problem`) and answers 502. */
  function invalidResponse(problem, action) {
    report(new Error(problem), { action, status: 502 })
    return json(502, {
      success: false,
      message: 'The authentication service sent an invalid response.',
    })
  }

  /** Calls the backend; resolves { status, body } or a ready error Response. */
  async function backend(action, { token, body, request }) {
    const headers = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (token) headers.authorization = `Bearer ${token}`
    const lang = request?.headers.get('accept-language')
    if (lang) headers['accept-language'] = lang
    let res
    let text
    try {
      res = await fetch(endpoints[action], {
        method: ACTIONS[action] === 'GET' ? 'GET' : 'POST',
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        redirect: 'manual',
        signal: AbortSignal.timeout(timeout),
      })
      // inside the try: the connection can drop (or the timeout fire) mid-body too
      text = await readTextCapped(res, maxResponseBytes)
    } catch (error) {
      if (error instanceof AnswerTooLarge) {
        return { error: invalidResponse(`${action}: ${error.message}`, action) }
      }
      const timedOut = error?.name === 'TimeoutError'
      report(error, { action, status: timedOut ? 504 : 502 })
      return {
        error: json(timedOut ? 504 : 502, {
          success: false,
          message: timedOut
            ? 'The authentication service did not respond in time.'
            : 'The authentication service is unavailable.',
        }),
      }
    }
    let parsed = null
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      if (res.ok) {
        return {
          error: invalidResponse(
            `backend answered ${res.status} with a body that is not JSON`,
            action,
          ),
        }
      }
    }
    if (res.status === 404) warnMissingEndpoint(endpoints[action], `endpoints.${action}`)
    return { status: res.status, ok: res.ok, body: parsed }
  }

  /**
   * A backend answer that is neither success nor a definite rejection (404, 5xx, 429...):
   * backend trouble, answered 503 with the user's cookies untouched.
   */
  function troubleResponse(action, status) {
    report(new Error(`backend ${action} answered ${status}`), { action, status: 503 })
    return json(503, {
      success: false,
      message: 'The authentication service is unavailable.',
    })
  }

  /**
   * Refreshes the session. `refresh.style`: 'cookie' sends the refresh cookie in the body,
   * 'bearer' sends the user token as Bearer, 'auto' (default) tries the refresh cookie and falls
   * back to the user token when that is refused (the auth proxy may have refreshed with the
   * access token meanwhile, leaving the refresh cookie stale).
   */
  async function refreshSession(request, cookie) {
    const refreshToken = refreshStyle === 'bearer' ? undefined : jar.refreshToken(cookie)
    const userToken = refreshStyle === 'cookie' ? undefined : jar.userToken(cookie)
    const attempts = []
    if (refreshToken) attempts.push({ body: { [refreshField]: refreshToken } })
    if (userToken) attempts.push({ token: userToken, body: {} })
    let r = { status: 401, body: null }
    for (const attempt of attempts) {
      r = await backend('refresh', { request, ...attempt })
      if (r.error || r.ok || r.status !== 401) break
    }
    if (r.error) return r
    if (!r.ok) {
      return isDefiniteRejection(r.status) ? r : { error: troubleResponse('refresh', r.status) }
    }
    const auth = parseAuth(r.body, { action: 'refresh', status: r.status })
    const cookies = auth?.token ? jar.session(auth.token, auth.refreshToken) : null
    if (!cookies) {
      return { error: invalidResponse('refresh response had no usable token', 'refresh') }
    }
    return { ok: true, status: r.status, token: auth.token, user: auth.user, cookies }
  }

  async function fetchUser(request, token) {
    const r = await backend('me', { request, token })
    if (r.error || !r.ok) return r
    return { ok: true, status: r.status, user: parseUser(r.body) }
  }

  function signIn(action, successStatus) {
    return async function signInHandler(request) {
      let credentials
      try {
        credentials = await readCredentials(request, maxBodyBytes)
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          return json(413, { success: false, message: 'The request body is too large.' })
        }
        return json(400, { success: false, message: 'The request body must be JSON or a form.' })
      }
      const limited = limiter?.check(action, credentials, request)
      if (limited) return limited
      const r = await backend(action, { request, body: credentials })
      if (r.error) return r.error
      if (!r.ok) {
        const info = { action, status: r.status }
        const body = failureBody(r.status, r.body, 'The given data was invalid.', parseError, info)
        return json(r.status, body)
      }
      const auth = parseAuth(r.body, { action, status: r.status })
      const cookies = auth?.token ? jar.session(auth.token, auth.refreshToken) : null
      if (!cookies) {
        return invalidResponse(`${action} response had no usable token`, action)
      }
      let user = auth.user
      if (user === undefined) {
        const me = await fetchUser(request, auth.token)
        user = me.ok ? me.user : null
      }
      const message =
        typeof r.body?.message === 'string'
          ? r.body.message
          : action === 'login'
            ? 'Logged in.'
            : 'Registered.'
      return json(
        successStatus ?? r.status,
        { success: true, message, data: { user } },
        await withCsrf(cookies, auth.token),
      )
    }
  }

  const login = signIn('login', 200)
  const register = signIn('register')

  /**
   * Logout revokes on the backend what it can: the access token as Bearer and the refresh token
   * in the JSON body under `logout.bodyField` (default `refresh.bodyField`: simplejwt's blacklist
   * view wants `{ refresh }`). The cookies are cleared whatever the backend answers.
   */
  async function logout(request) {
    const cookie = request.headers.get('cookie') ?? undefined
    // A token the proxy refreshed in this very request is the live one: revoke that.
    const live = verifiedRefreshedToken(request.headers) || jar.userToken(cookie) || undefined
    // Dead at once in this process's engines (and the cookie's token too, when the proxy
    // refreshed it in this request), whatever the backend answers below.
    revokeToken(csrfLookup, live)
    revokeToken(csrfLookup, jar.userToken(cookie))
    const token = logoutCfg.sendAccessToken === false ? undefined : live
    const refreshToken =
      logoutCfg.sendRefreshToken === false ? undefined : jar.refreshToken(cookie) || undefined
    if (token || refreshToken) {
      const body = refreshToken ? { [logoutField]: refreshToken } : undefined
      const r = await backend('logout', { request, token, body })
      if (!r.error && !r.ok && r.status !== 401) {
        report(new Error(`backend logout answered ${r.status}`), {
          action: 'logout',
          status: r.status,
        })
      }
    }
    return json(200, { success: true, message: 'Logged out.' }, await withCsrf(jar.clear()))
  }

  async function me(request) {
    // Fast path: the auth proxy already validated this request's token and passed the user in
    // the signed `x-auth-user` header (a forged one fails the signature check).
    const fromProxy = verifiedProxyUser(request.headers)
    if (fromProxy) return json(200, { success: true, data: { user: fromProxy } })
    const cookie = request.headers.get('cookie') ?? undefined
    const picked = jar.pick(cookie, verifiedRefreshedToken(request.headers))
    const unauthenticated = (cookies = []) =>
      json(401, { success: false, message: 'Unauthenticated.', data: { user: null } }, cookies)
    if (!picked) return unauthenticated()
    const r = await fetchUser(request, picked.token)
    if (r.error) return r.error
    if (r.ok) return json(200, { success: true, data: { user: r.user } })
    if (r.status !== 401) {
      const info = { action: 'me', status: r.status }
      return json(r.status, failureBody(r.status, r.body, 'Request failed.', parseError, info))
    }
    if (picked.source !== 'user') return unauthenticated()
    // The user token was refused: try one refresh, then ask again with the new token.
    const refreshed = await refreshSession(request, cookie)
    if (refreshed.error) return refreshed.error
    if (!refreshed.ok) {
      revokeToken(csrfLookup, picked.token)
      return unauthenticated(jar.clear())
    }
    const again = await fetchUser(request, refreshed.token)
    if (again.error) return again.error
    if (!again.ok) {
      if (!isDefiniteRejection(again.status)) return troubleResponse('me', again.status)
      revokeToken(csrfLookup, refreshed.token)
      return unauthenticated(jar.clear())
    }
    return json(
      200,
      { success: true, data: { user: again.user } },
      await withCsrf(refreshed.cookies, refreshed.token),
    )
  }

  async function refresh(request) {
    const cookie = request.headers.get('cookie') ?? undefined
    const r = await refreshSession(request, cookie)
    if (r.error) return r.error
    if (!r.ok) {
      // a definite rejection: the session's access token is dead too
      revokeToken(csrfLookup, jar.userToken(cookie))
      return json(401, { success: false, message: 'Session expired.', data: { user: null } }, [
        ...jar.clear(),
      ])
    }
    let user = r.user
    if (user === undefined) {
      const u = await fetchUser(request, r.token)
      user = u.ok ? u.user : null
    }
    return json(200, { success: true, data: { user } }, await withCsrf(r.cookies, r.token))
  }

  const byAction = { login, register, logout, me, refresh }

  async function actionOf(context) {
    const params = context?.params ? await context.params : undefined
    if (!isObject(params)) return undefined
    let v = params.action ?? Object.values(params)[0]
    if (Array.isArray(v)) v = v.length === 1 ? v[0] : undefined
    return typeof v === 'string' ? v : undefined
  }

  /** For `app/api/auth/[action]/route.ts`: dispatches on the `action` param and the method. */
  async function handler(request, context) {
    const action = await actionOf(context)
    const fn = action && Object.hasOwn(byAction, action) ? byAction[action] : undefined
    if (!fn) return json(404, { success: false, message: 'Not found.' })
    const method = String(request.method || 'GET').toUpperCase()
    const allowed = ACTIONS[action]
    if (method !== allowed) {
      return json(405, { success: false, message: 'Method not allowed.' }, [], { allow: allowed })
    }
    return fn(request)
  }

  return {
    handler,
    GET: handler,
    POST: handler,
    login,
    register,
    logout,
    me,
    refresh,
    cookieNames: {
      user: jar.userCookieName,
      guest: jar.guestCookieName,
      refresh: jar.refreshCookieName,
    },
  }
}

module.exports = {
  createAuthRoutes,
  defaultParseAuthResponse,
  defaultParseUserResponse,
  normalizeBackendError,
}
