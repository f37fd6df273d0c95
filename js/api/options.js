// createApiClient's options resolved once per client, in the order they are checked (a bad
// one throws at construction, naming it): the base URL, the plain-JS shapes, the native
// ApiClientCore (token cascade, public endpoints, sanitization), then spoofing, retry, debug,
// dedupe, request ids, i18n and messages. Every stage reads the returned settings.

const native = require('../shared/native')
const { configError } = require('../shared/config-error')
const { createSanitizer } = require('./sanitize')
const { resolveDebug, createRedactor } = require('./redact')
const { validateOptions } = require('./options-check')
const { stripUndefined, resolveRetry, validateRetry } = require('./retry')
const { createLog } = require('./debug-log')

function resolveBaseUrl(apiBaseUrl) {
  let base
  try {
    base = new URL(apiBaseUrl)
    if (!/^https?:$/.test(base.protocol)) throw new Error('scheme')
  } catch {
    throw configError('apiBaseUrl must be an absolute http(s) URL')
  }
  return base.href.endsWith('/') ? base.href : `${base.href}/`
}

function resolveSpoofing(v) {
  const base = { enabled: false, strategy: 'body', fieldName: '_method' }
  if (v === true) return { ...base, enabled: true }
  if (!v) return base
  const r = {
    ...base,
    enabled: v.enabled ?? true,
    ...stripUndefined({ strategy: v.strategy, fieldName: v.fieldName }),
  }
  if (!['body', 'header'].includes(r.strategy)) {
    throw configError("methodSpoofing.strategy must be 'body' or 'header'")
  }
  if (typeof r.fieldName !== 'string' || !r.fieldName) {
    throw configError('methodSpoofing.fieldName must be a non-empty string')
  }
  return r
}

function resolveMessages(m) {
  return {
    noToken: m?.noToken ?? 'Token not found. Please log in.',
    connectionError: m?.connectionError ?? 'Connection error occurred.',
    serverError: m?.serverError ?? 'Server error occurred.',
    timeout: m?.timeout ?? 'Request timed out.',
    invalidResponse: m?.invalidResponse ?? 'Invalid response from server.',
  }
}

/** The settings every stage of the client reads (`config` itself for what is read per request). */
function resolveOptions(config) {
  if (!config || typeof config !== 'object')
    throw configError('createApiClient config must be an object')
  const baseUrl = resolveBaseUrl(config.apiBaseUrl)
  validateOptions(config)

  const timeout = config.timeout ?? 30000
  if (typeof timeout !== 'number' || !(timeout > 0))
    throw configError('timeout must be a positive number (ms)')

  const sanitization = config.sanitization || {}
  const { skipEndpoints, ...sanitizeRest } = sanitization
  // `userCookieName` / `guestCookieName` / `publicEndpoints` at the top level are accepted as
  // aliases, spelled as createProxyHandler spells them.
  const userName = config.cookies?.user ?? config.userCookieName ?? 'userToken'
  const guestName = config.cookies?.guest ?? config.guestCookieName ?? 'guestToken'
  const core = new native.ApiClientCore({
    userCookieName: userName,
    guestCookieName: guestName,
    skipAuthByDefault: config.auth?.skipByDefault ?? false,
    publicEndpoints: config.auth?.publicEndpoints ?? config.publicEndpoints ?? [],
    skipSanitizeEndpoints: skipEndpoints ?? [],
    sanitization: sanitizeRest,
  })
  const bodySanitizer = createSanitizer(sanitizeRest)

  const spoofing = resolveSpoofing(config.methodSpoofing)
  validateRetry(resolveRetry(config.retry), 'retry')
  const debug = resolveDebug(config.debug)
  const i18n = config.i18n && config.i18n.enabled !== false ? config.i18n : null
  return {
    config,
    baseUrl,
    timeout,
    userName,
    guestName,
    core,
    bodySanitizer,
    sanitizeEnabled: sanitization.enabled !== false,
    spoofing,
    debug,
    log: createLog(debug, createRedactor(debug)),
    dedupe: {
      enabled: config.dedupe === true || (config.dedupe?.enabled ?? false),
      methods: (config.dedupe?.methods ?? ['GET']).map((m) => m.toUpperCase()),
    },
    inFlight: new Map(),
    reqId: {
      enabled: config.requestId === true || (config.requestId?.enabled ?? false),
      headerName: config.requestId?.headerName ?? 'X-Request-ID',
      // drawn natively: crypto.randomUUID() in a render is sync IO to Next.js (shared/clock.js)
      generator: config.requestId?.generator ?? native.randomUuid,
    },
    i18n,
    paramName: i18n?.paramName ?? 'lang',
    msgs: resolveMessages(config.errorMessages),
    defaultHeaders: config.defaultHeaders ?? {},
    throwOnErrorDefault: config.throwOnError ?? false,
  }
}

module.exports = { resolveOptions }
