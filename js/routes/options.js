// The auth routes' options: checked once at construction (a bad one throws naming it), resolved
// into one settings object the stage modules (body, backend, actions) read. Also the native
// cookie jar the tokens live in and the login/register attempt limiter.

const native = require('../shared/native')
const { configError, optionalOf } = require('../shared/config-error')
const { normalizeBackendError } = require('../shared/backend-errors')

/** The route's method per action. */
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
 * `check` gives null (allowed) or the rate-limit headers of the 429 the caller answers.
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
      return headers
    },
  }
}

/**
 * The native cookie jar (the same cookie names and attributes the auth proxy writes). The
 * cookie options are typed here before they reach the addon (its own type errors would not
 * name the option).
 */
function cookieJar(config, cookiesCfg, cookieOptions, refreshCfg, production) {
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
  return new native.AuthCookieJar({
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
}

/**
 * Checks `config` (in the documented order, each error naming its option) and resolves it into
 * the settings the stages read. `defaults` holds the default parsers (kept in auth-routes.js,
 * which exports them). `csrfEngine` is the one mutable field: the auth proxy's engine, found
 * when first needed (proxy.ts may build it after this module is loaded).
 */
function resolveAuthRoutesOptions(config, defaults) {
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
  optionalOf('boolean', config.production, 'production')
  const production = config.production ?? process.env.NODE_ENV === 'production'
  const jar = cookieJar(config, cookiesCfg, cookieOptions, refreshCfg, production)
  return {
    endpoints,
    timeout,
    maxBodyBytes,
    maxResponseBytes,
    limiter,
    refreshStyle,
    refreshField,
    logoutCfg,
    logoutField,
    csrfOn: config.csrf !== false,
    parseAuth: config.parseAuthResponse ?? defaults.parseAuthResponse,
    parseUser: config.parseUserResponse ?? defaults.parseUserResponse,
    parseError: config.parseErrorResponse ?? normalizeBackendError,
    config, // onError is read from it at each report, as before the split
    jar,
    // how the auth proxy's engine for the same backend and cookie names is found
    csrfLookup: {
      apiBaseUrl: base,
      endpoints: { validate: endpointsCfg.me ?? DEFAULT_ENDPOINTS.me },
      cookies: { user: jar.userCookieName, guest: jar.guestCookieName },
    },
    csrfEngine: undefined,
  }
}

module.exports = { ACTIONS, DEFAULT_ENDPOINTS, isObject, resolveAuthRoutesOptions }
