// createProxyHandler's options, checked once at construction (a bad one throws naming itself),
// and the native ProxyRouter built from the declarative part (base URL, cookies,
// publicEndpoints, skipAuthByDefault, trailingSlash).

const native = require('../shared/native')
const { configError, optionalOf, optionalFunction } = require('../shared/config-error')
const { bufferLimit } = require('./body-framing')

function lowerList(value, option) {
  if (value === undefined || value === null) return null
  if (!Array.isArray(value) || value.some((h) => typeof h !== 'string' || h.trim() === '')) {
    throw configError(`${option} must be an array of header names`)
  }
  return value.map((h) => h.trim().toLowerCase())
}

/** Built once per handler; `require('../api/sanitize')` only when sanitization is on. */
function buildSanitizer(option) {
  const { createSanitizer } = require('../api/sanitize')
  const config = option === true ? {} : option
  return createSanitizer({ ...config, enabled: true })
}

function forwardedMode(v) {
  if (v === undefined || v === null) return 'replace'
  if (!['replace', 'drop', 'pass'].includes(v)) {
    throw configError("forwardedHeaders must be 'replace', 'drop' or 'pass'")
  }
  return v
}

function trustedProxiesOf(v) {
  if (v === undefined || v === null) return 0
  if (!Number.isInteger(v) || v < 0 || v > 16) {
    throw configError('trustedProxies must be an integer between 0 and 16')
  }
  return v
}

/** `{ opts, timeout, sanitizer, router }` for one handler. */
function resolveHandlerOptions(config) {
  if (!config || typeof config !== 'object') throw configError('config must be an object')
  const apiBaseUrl = config.apiBaseUrl ?? process.env.API_BASE_URL ?? process.env.BACKEND_API_URL
  if (typeof apiBaseUrl !== 'string' || apiBaseUrl.trim() === '') {
    throw configError('apiBaseUrl is required (the backend base URL)')
  }
  if (
    config.publicEndpoints !== undefined &&
    (!Array.isArray(config.publicEndpoints) ||
      config.publicEndpoints.some((p) => typeof p !== 'string'))
  ) {
    throw configError('publicEndpoints must be an array of path patterns')
  }
  optionalOf('string', config.userCookieName, 'userCookieName')
  optionalOf('string', config.guestCookieName, 'guestCookieName')
  for (const flag of ['skipAuthByDefault', 'trailingSlash', 'passSetCookie']) {
    optionalOf('boolean', config[flag], flag)
  }
  const timeout = config.timeout ?? 30000
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw configError('timeout must be a positive number of milliseconds')
  }
  if (config.paramName !== undefined && typeof config.paramName !== 'string') {
    throw configError('paramName must be a string')
  }
  if (
    config.routePrefix !== undefined &&
    (typeof config.routePrefix !== 'string' ||
      (config.routePrefix !== '' && !config.routePrefix.startsWith('/')))
  ) {
    throw configError("routePrefix must be a path starting with '/'")
  }
  const opts = {
    forward: lowerList(config.forwardHeaders, 'forwardHeaders'),
    exclude: lowerList(config.excludeHeaders, 'excludeHeaders'),
    transformRequest: optionalFunction(config.transformRequest, 'transformRequest'),
    transformResponse: optionalFunction(config.transformResponse, 'transformResponse'),
    onError: optionalFunction(config.onError, 'onError'),
    passSetCookie: config.passSetCookie === true,
    forwarded: forwardedMode(config.forwardedHeaders),
    trustedProxies: trustedProxiesOf(config.trustedProxies),
    paramName: config.paramName,
    routePrefix: (config.routePrefix ?? '/api').replace(/\/+$/, ''),
    bufferChunkedUpTo: bufferLimit(config.bufferChunkedBodiesUpTo),
  }
  const sanitize = config.sanitize ?? false
  if (
    sanitize !== false &&
    sanitize !== true &&
    (typeof sanitize !== 'object' || sanitize === null)
  ) {
    throw configError('sanitize must be a boolean or sanitizer options')
  }
  if (typeof sanitize === 'object' && sanitize.skipEndpoints !== undefined) {
    // it would be silently ignored: the handler's own route decides what it proxies
    throw configError('sanitize.skipEndpoints is not supported by createProxyHandler')
  }
  let sanitizer = null
  try {
    sanitizer = sanitize ? buildSanitizer(sanitize) : null
  } catch (error) {
    // the sanitizer names its options `sanitization.*`; here they live under `sanitize`
    if (error?.code === 'ERR_CONFIG_INVALID') {
      error.message = error.message.replace(/^sanitization\b/, 'sanitize')
    }
    throw error
  }

  const router = new native.ProxyRouter({
    apiBaseUrl,
    userCookieName: config.userCookieName,
    guestCookieName: config.guestCookieName,
    skipAuthByDefault: config.skipAuthByDefault === true,
    publicEndpoints: config.publicEndpoints ?? [],
    trailingSlash: config.trailingSlash === true,
  })

  return { opts, timeout, sanitizer, router }
}

module.exports = { resolveHandlerOptions }
