// createApiClient: the server-side way to call the backend from route handlers, server
// actions and server components. Policy (token cascade, public endpoints, sanitization) is
// native and built once per client; this file owns fetch, retries, dedupe and logging (the
// debug option and its redaction are in ./redact.js).

const native = require('../shared/native')
const { createSanitizer } = require('./sanitize')
const { configError } = require('../shared/config-error')
const { parseCookieHeader } = require('../shared/cookie-header')
const { resolveDebug, createRedactor } = require('./redact')
const {
  ApiError,
  HttpError,
  TimeoutError,
  NetworkError,
  AuthError,
  ValidationError,
  RateLimitError,
} = require('./errors')

const SPOOFABLE = ['PUT', 'PATCH', 'DELETE']
const IDEMPOTENT = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']
const ASYNC_SANITIZE_BYTES = 256 * 1024
const MAX_RETRY_AFTER_MS = 60_000

// ---------------------------------------------------------------------------- config

function resolveRetry(base, override) {
  const r = {
    enabled: base?.enabled ?? false,
    maxAttempts: base?.maxAttempts ?? 3,
    backoff: base?.backoff ?? 'exponential',
    backoffMs: base?.backoffMs ?? 1000,
    retryOn: base?.retryOn ?? [408, 429, 500, 502, 503, 504],
    retryOnNetworkError: base?.retryOnNetworkError ?? true,
    retryNonIdempotent: base?.retryNonIdempotent ?? false,
  }
  if (override === true) return { ...r, enabled: true, retryNonIdempotent: true }
  if (override === false) return { ...r, enabled: false }
  if (override && typeof override === 'object') {
    return {
      ...r,
      ...stripUndefined(override),
      enabled: override.enabled ?? true,
      retryNonIdempotent: true,
    }
  }
  return r
}

function stripUndefined(o) {
  const out = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v
  return out
}

function validateRetry(r, where) {
  if (!Number.isInteger(r.maxAttempts) || r.maxAttempts < 1) {
    throw configError(`${where}.maxAttempts must be a positive integer`)
  }
  if (!['exponential', 'linear', 'fixed'].includes(r.backoff)) {
    throw configError(`${where}.backoff must be one of 'exponential', 'linear', 'fixed'`)
  }
  if (typeof r.backoffMs !== 'number' || !(r.backoffMs >= 0)) {
    throw configError(`${where}.backoffMs must be a non-negative number`)
  }
  if (!Array.isArray(r.retryOn) || r.retryOn.some((s) => !Number.isInteger(s))) {
    throw configError(`${where}.retryOn must be an array of status codes`)
  }
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

/** Shape checks for the options that are plain JS (the rest is validated natively). */
function validateOptions(config) {
  const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)
  const boolOrObject = (v, name) => {
    if (v !== undefined && typeof v !== 'boolean' && !isObj(v)) {
      throw configError(`${name} must be a boolean or an options object`)
    }
    return isObj(v) ? v : {}
  }
  const optional = (v, name, ok, what) => {
    if (v !== undefined && !ok(v)) throw configError(`${name} must be ${what}`)
  }
  const isFn = (v) => typeof v === 'function'
  const isText = (v) => typeof v === 'string' && v !== ''
  const isStrings = (v) => Array.isArray(v) && v.every(isText)
  const headerOk = (name, value) => {
    try {
      new Headers([[name, value]])
      return true
    } catch {
      return false
    }
  }
  optional(config.throwOnError, 'throwOnError', (v) => typeof v === 'boolean', 'a boolean')
  optional(config.getCookies, 'getCookies', isFn, 'a function')
  optional(config.getHeaders, 'getHeaders', isFn, 'a function')
  const dedupe = boolOrObject(config.dedupe, 'dedupe')
  optional(dedupe.methods, 'dedupe.methods', isStrings, 'an array of HTTP method names')
  const requestId = boolOrObject(config.requestId, 'requestId')
  optional(requestId.generator, 'requestId.generator', isFn, 'a function')
  optional(
    requestId.headerName,
    'requestId.headerName',
    (v) => isText(v) && headerOk(v, 'x'),
    'a valid header name',
  )
  optional(config.defaultHeaders, 'defaultHeaders', isObj, 'an object of header names to values')
  for (const [k, v] of Object.entries(config.defaultHeaders ?? {})) {
    if (typeof v !== 'string' || !headerOk(k, v)) {
      throw configError(`defaultHeaders['${k}'] must be a valid header name with a string value`)
    }
  }
  optional(config.errorMessages, 'errorMessages', isObj, 'an object')
  for (const [k, v] of Object.entries(config.errorMessages ?? {})) {
    if (typeof v !== 'string') throw configError(`errorMessages.${k} must be a string`)
  }
  const debug = boolOrObject(config.debug, 'debug')
  optional(debug.logger, 'debug.logger', isFn, 'a function')
  for (const k of ['maxStringLength', 'maxArrayItems', 'maxDepth']) {
    optional(debug[k], `debug.${k}`, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer')
  }
  optional(
    debug.sensitiveFields,
    'debug.sensitiveFields',
    (v) => Array.isArray(v) && v.every((f) => isText(f) || f instanceof RegExp),
    'an array of field names or RegExps',
  )
  const i18n = boolOrObject(config.i18n, 'i18n')
  optional(i18n.paramName, 'i18n.paramName', isText, 'a non-empty string')
  optional(i18n.locales, 'i18n.locales', isStrings, 'an array of locale strings')
  optional(i18n.defaultLocale, 'i18n.defaultLocale', isText, 'a non-empty string')
}

// ---------------------------------------------------------------------------- request context

let nextHeaders // undefined: not tried yet; null: unavailable
function loadNextHeaders() {
  if (nextHeaders === undefined) {
    try {
      nextHeaders = require('next/headers')
    } catch {
      nextHeaders = null
    }
  }
  return nextHeaders
}

function rethrowNextInternals(err) {
  // headers()/cookies() signal dynamic rendering by throwing; those must reach Next.js.
  try {
    const nav = require('next/navigation')
    if (typeof nav.unstable_rethrow === 'function') nav.unstable_rethrow(err)
  } catch (e) {
    if (e === err) throw e
  }
}

function headerGetter(h) {
  if (!h) return () => undefined
  if (typeof h.get === 'function') return (name) => h.get(name) ?? undefined
  const lower = {}
  for (const [k, v] of Object.entries(h))
    lower[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v
  return (name) => lower[name.toLowerCase()]
}

function cookieGetter(c) {
  if (!c) return () => undefined
  if (typeof c === 'string') {
    const jar = parseCookieHeader(c)
    return (name) => jar.get(name)
  }
  if (typeof c.get === 'function') {
    return (name) => {
      const v = c.get(name)
      return v && typeof v === 'object' ? v.value : (v ?? undefined)
    }
  }
  return (name) => c[name]
}

// ---------------------------------------------------------------------------- helpers

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms))
}

function backoffDelay(attempt, r) {
  if (r.backoff === 'exponential') return r.backoffMs * 2 ** (attempt - 1)
  if (r.backoff === 'linear') return r.backoffMs * attempt
  return r.backoffMs
}

function parseRetryAfter(value) {
  if (value == null || value === '') return undefined
  const secs = Number(value)
  if (Number.isFinite(secs) && secs >= 0) return secs
  const at = Date.parse(value)
  if (Number.isFinite(at)) return Math.max(0, Math.ceil((at - Date.now()) / 1000))
  return undefined
}

function appendParams(url, params) {
  if (!params) return
  const entries = params instanceof URLSearchParams ? [...params.entries()] : Object.entries(params)
  for (const [k, v] of entries) {
    if (v === undefined || v === null) continue
    if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, String(item))
    else url.searchParams.append(k, String(v))
  }
}

function isJsonType(ct) {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(ct) || /\+json\b/i.test(ct)
}

function isTextType(ct) {
  return /^text\//i.test(ct) || /^application\/(?:xml|javascript|x-www-form-urlencoded)\b/i.test(ct)
}

const PASSWORDISH = /pass(word)?|secret|token|otp|pin$/i
// Never sanitized in outgoing bodies, at any depth (sanitizing would change a credential).
const SECRET_BODY_FIELDS = [
  'password',
  'password_confirmation',
  'passwordConfirmation',
  'current_password',
  'currentPassword',
  'new_password',
  'newPassword',
  'secret',
  'token',
  'refresh_token',
  'refreshToken',
  'otp',
  'pin',
]

// ---------------------------------------------------------------------------- results

// Headers never passed on from the backend's response: hop-by-hop, the encoding and length of
// a body we have already decoded, and cookies (they belong to the backend, not to the app).
const DROP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'content-encoding',
  'content-length',
  'set-cookie',
])

function passHeaders(from, idHeader, id) {
  const out = new Headers()
  for (const [k, v] of from.entries()) if (!DROP_HEADERS.has(k)) out.append(k, v)
  if (idHeader && id) out.set(idHeader, id)
  return out
}

function decodeEnvelope(body) {
  const envelope =
    body !== null &&
    typeof body === 'object' &&
    !Array.isArray(body) &&
    ('success' in body || 'data' in body || 'message' in body)
  if (!envelope) return { envelope, data: body }
  return {
    envelope,
    data: body.data ?? null,
    message: typeof body.message === 'string' ? body.message : undefined,
    errors:
      body.errors && typeof body.errors === 'object' && !Array.isArray(body.errors)
        ? body.errors
        : undefined,
    bodySuccess: typeof body.success === 'boolean' ? body.success : undefined,
  }
}

/**
 * The result of every call: a real `Response` (a route handler can return it as it is, and
 * `await res.json()` works as with the original library) that also carries the decoded
 * `{ success, data, message, errors, error, attempts, requestId }`.
 */
class ApiResponse extends Response {
  constructor(body, init, fields, lazy) {
    super(body, init)
    for (const [k, v] of Object.entries(fields)) {
      if (v !== undefined) {
        Object.defineProperty(this, k, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        })
      }
    }
    if (lazy) {
      let decoded
      const get = () => {
        if (!decoded) decoded = lazy()
        return decoded
      }
      for (const k of ['success', 'data', 'message', 'errors']) {
        Object.defineProperty(this, k, {
          enumerable: true,
          configurable: true,
          get: () => get()[k],
          set: (v) => {
            get()[k] = v
          },
        })
      }
    }
  }
}

// ---------------------------------------------------------------------------- the client

/**
 * Creates the server-side API client. See js/api/api-client.d.ts for every option and default.
 */
function createApiClient(config = {}) {
  if (!config || typeof config !== 'object')
    throw configError('createApiClient config must be an object')
  const { apiBaseUrl } = config
  let base
  try {
    base = new URL(apiBaseUrl)
    if (!/^https?:$/.test(base.protocol)) throw new Error('scheme')
  } catch {
    throw configError('apiBaseUrl must be an absolute http(s) URL')
  }
  const baseUrl = base.href.endsWith('/') ? base.href : `${base.href}/`
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
  const sanitizeEnabled = sanitization.enabled !== false

  const spoofing = resolveSpoofing(config.methodSpoofing)
  const retryBase = resolveRetry(config.retry)
  validateRetry(retryBase, 'retry')
  const debug = resolveDebug(config.debug)
  const redactor = createRedactor(debug)
  const dedupe = {
    enabled: config.dedupe === true || (config.dedupe?.enabled ?? false),
    methods: (config.dedupe?.methods ?? ['GET']).map((m) => m.toUpperCase()),
  }
  const reqId = {
    enabled: config.requestId === true || (config.requestId?.enabled ?? false),
    headerName: config.requestId?.headerName ?? 'X-Request-ID',
    generator: config.requestId?.generator ?? (() => crypto.randomUUID()),
  }
  const i18n = config.i18n && config.i18n.enabled !== false ? config.i18n : null
  const paramName = i18n?.paramName ?? 'lang'
  const msgs = {
    noToken: config.errorMessages?.noToken ?? 'Token not found. Please log in.',
    connectionError: config.errorMessages?.connectionError ?? 'Connection error occurred.',
    serverError: config.errorMessages?.serverError ?? 'Server error occurred.',
    timeout: config.errorMessages?.timeout ?? 'Request timed out.',
    invalidResponse: config.errorMessages?.invalidResponse ?? 'Invalid response from server.',
  }
  const defaultHeaders = config.defaultHeaders ?? {}
  const inFlight = new Map()
  const throwOnErrorDefault = config.throwOnError ?? false

  function log(message, data) {
    if (!debug.enabled) return
    const safe = data === undefined ? undefined : redactor.redact(data)
    if (typeof debug.logger === 'function') return debug.logger(message, safe)
    const prefix = `[next-api-layer] ${new Date().toISOString()} ${message}`
    if (safe === undefined) console.log(prefix)
    else console.log(prefix, safe)
  }

  async function readContext(options) {
    const ctx = options.context || {}
    let getH
    let getC
    if (ctx.headers || ctx.cookies) {
      getH = headerGetter(ctx.headers)
      getC = ctx.cookies ? cookieGetter(ctx.cookies) : cookieGetter(getH('cookie'))
    } else if (config.getHeaders || config.getCookies) {
      const h = config.getHeaders ? await config.getHeaders() : undefined
      const c = config.getCookies ? await config.getCookies() : undefined
      getH = headerGetter(h)
      getC = c ? cookieGetter(c) : cookieGetter(getH('cookie'))
    } else {
      const nh = loadNextHeaders()
      let h
      let c
      if (nh) {
        try {
          h = await nh.headers()
          c = await nh.cookies()
        } catch (err) {
          rethrowNextInternals(err)
          h = undefined
          c = undefined
        }
      }
      getH = headerGetter(h)
      getC = c ? cookieGetter(c) : cookieGetter(getH('cookie'))
    }
    const user = getC(userName)
    const guest = getC(guestName)
    const parts = []
    if (user) parts.push(`${userName}=${user}`)
    if (guest) parts.push(`${guestName}=${guest}`)
    return {
      refreshedToken: getH('x-refreshed-token') || undefined,
      cookie: parts.length ? parts.join('; ') : undefined,
      locale: getH('x-locale') || undefined,
    }
  }

  function buildUrl(endpoint, params, locale) {
    const path = String(endpoint).replace(/^\/+/, '')
    const url = new URL(path, baseUrl)
    if (!url.href.startsWith(baseUrl)) {
      throw new ApiError(`Endpoint '${endpoint}' resolves outside apiBaseUrl`, 'ENDPOINT_INVALID', {
        endpoint,
      })
    }
    appendParams(url, params)
    if (i18n) {
      let loc = locale
      if (loc && Array.isArray(i18n.locales) && !i18n.locales.includes(loc)) loc = undefined
      if (!loc && i18n.defaultLocale) loc = i18n.defaultLocale
      if (loc && !url.searchParams.has(paramName)) url.searchParams.set(paramName, loc)
    }
    return url.toString()
  }

  // A failure we answer ourselves (no token, timeout, network, invalid JSON): JSON body
  // `{ success: false, message }` with the given status.
  function failure(status, message, error, extra = {}) {
    const headers = new Headers({ 'content-type': 'application/json' })
    if (extra.requestId) headers.set(reqId.headerName, extra.requestId)
    return new ApiResponse(
      JSON.stringify({ success: false, message }),
      { status, headers },
      { ...extra, success: false, data: null, message, error },
    )
  }

  // One HTTP exchange, fully read. Never throws for HTTP/network trouble.
  async function exchange(url, init, timeoutMs, endpoint) {
    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, timeoutMs)
    try {
      const res = await fetch(url, { ...init, signal: controller.signal })
      const contentType = res.headers.get('content-type') || ''
      let kind
      let payload
      if (
        res.status === 204 ||
        res.status === 205 ||
        res.status === 304 ||
        init.method === 'HEAD'
      ) {
        kind = 'empty'
        await res.body?.cancel()
      } else if (isJsonType(contentType)) {
        kind = 'json'
        payload = await res.text()
      } else if (isTextType(contentType) || !res.body) {
        kind = 'text'
        payload = await res.text()
      } else {
        kind = 'binary'
        payload = Buffer.from(await res.arrayBuffer())
      }
      if (kind === 'text' && payload === '') kind = 'empty'
      return { ok: true, status: res.status, headers: res.headers, kind, payload }
    } catch (cause) {
      if (timedOut)
        return {
          ok: false,
          timeout: true,
          error: new TimeoutError(endpoint, timeoutMs, msgs.timeout),
        }
      return {
        ok: false,
        error: new NetworkError(endpoint, { message: msgs.connectionError, cause }),
      }
    } finally {
      clearTimeout(timer)
    }
  }

  async function sendWithRetry(method, logicalMethod, url, init, options, endpoint, timeoutMs) {
    const r = resolveRetry(config.retry, options.retry)
    const canRetry = r.enabled && (IDEMPOTENT.includes(logicalMethod) || r.retryNonIdempotent)
    const maxAttempts = canRetry ? r.maxAttempts : 1
    let last
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const started = Date.now()
      last = await exchange(url, init, timeoutMs, endpoint)
      last.attempts = attempt
      last.durationMs = Date.now() - started
      if (attempt === maxAttempts) break
      let delay
      if (!last.ok) {
        if (last.timeout ? !r.retryOn.includes(408) : !r.retryOnNetworkError) break
        delay = backoffDelay(attempt, r)
      } else if (r.retryOn.includes(last.status)) {
        const ra = parseRetryAfter(last.headers.get('retry-after'))
        delay =
          ra !== undefined ? Math.min(ra * 1000, MAX_RETRY_AFTER_MS) : backoffDelay(attempt, r)
      } else {
        break
      }
      log(`↻ ${method} ${endpoint} retry ${attempt + 1}/${maxAttempts} in ${delay}ms`, {
        status: last.status,
        error: last.error?.message,
      })
      await sleep(delay)
    }
    return last
  }

  async function sanitizeJsonText(text, plan, options) {
    if (!plan.sanitize || options.skipSanitize) return text
    const skip = options.skipSanitizeFields
    return text.length > ASYNC_SANITIZE_BYTES
      ? core.sanitizeJsonAsync(text, skip)
      : core.sanitizeJson(text, skip)
  }

  // Turns a raw exchange into the shared, caller-independent part of the result.
  async function settle(raw, plan, options, endpoint) {
    if (!raw.ok) return { raw }
    if (raw.kind !== 'json') return { raw }
    try {
      const sanitized = plan.sanitize && !options.skipSanitize
      const text = await sanitizeJsonText(raw.payload, plan, options)
      // the native walk validates the JSON; without it, parse once to validate
      if (!sanitized) JSON.parse(text)
      return { raw, text }
    } catch (cause) {
      return {
        raw,
        invalid: new ApiError(msgs.invalidResponse, 'INVALID_JSON', {
          endpoint,
          status: raw.status,
          cause,
        }),
      }
    }
  }

  function buildResult(settled, endpoint, requestId) {
    const { raw } = settled
    const extra = { attempts: raw.attempts, requestId }
    if (!raw.ok) {
      const status = raw.timeout ? 408 : 503
      return failure(status, raw.error.message, raw.error, extra)
    }
    if (settled.invalid) {
      return failure(raw.status, settled.invalid.message, settled.invalid, extra)
    }
    const headers = passHeaders(raw.headers, requestId && reqId.headerName, requestId)
    const ok = raw.status >= 200 && raw.status < 300
    const nullBody = raw.status === 204 || raw.status === 205 || raw.status === 304

    if (raw.kind !== 'json') {
      const value =
        raw.kind === 'text' ? raw.payload : raw.kind === 'binary' ? Buffer.from(raw.payload) : null
      const init = { status: raw.status, headers }
      const body = nullBody || raw.kind === 'empty' ? null : raw.payload
      if (ok) return new ApiResponse(body, init, { ...extra, success: true, data: value })
      if (raw.status >= 500) {
        const error = errorFor(raw, endpoint, msgs.serverError, undefined, value)
        return serverFailure(raw.status, headers, { ...extra, data: value, error })
      }
      const msg = `Request failed with status ${raw.status}`
      const error = errorFor(raw, endpoint, msg, undefined, value)
      return new ApiResponse(body, init, {
        ...extra,
        success: false,
        data: value,
        message: msg,
        error,
      })
    }

    const text = settled.text
    if (ok) {
      // 2xx JSON: parsed on first access, so a route handler returning the response as it is
      // never pays for a parse; every caller parses its own copy.
      return new ApiResponse(nullBody ? null : text, { status: raw.status, headers }, extra, () => {
        const d = decodeEnvelope(JSON.parse(text))
        const out = { success: d.bodySuccess !== false, data: d.data }
        if (d.message !== undefined) out.message = d.message
        if (d.errors) out.errors = d.errors
        return out
      })
    }
    const body = JSON.parse(text)
    const d = decodeEnvelope(body)
    if (raw.status >= 500) {
      // A backend's 5xx details stay on the server: the caller gets errorMessages.serverError,
      // `error.response` keeps the backend's (sanitized) body for logs.
      const error = errorFor(raw, endpoint, msgs.serverError, d.errors, body)
      return serverFailure(raw.status, headers, { ...extra, data: d.data, error })
    }
    const msg = d.message ?? `Request failed with status ${raw.status}`
    const error = errorFor(raw, endpoint, msg, d.errors, d.envelope ? body : d.data)
    return new ApiResponse(
      nullBody ? null : text,
      { status: raw.status, headers },
      { ...extra, success: false, data: d.data, message: msg, errors: d.errors, error },
    )
  }

  function serverFailure(status, headers, fields) {
    headers.set('content-type', 'application/json')
    return new ApiResponse(
      JSON.stringify({ success: false, message: msgs.serverError }),
      { status, headers },
      { ...fields, success: false, message: msgs.serverError },
    )
  }

  function errorFor(raw, endpoint, msg, errors, response) {
    const opts = { endpoint, response }
    if (raw.status === 401) return new AuthError('invalid_token', msg, opts)
    if (raw.status === 422 || (raw.status === 400 && errors)) {
      return new ValidationError(endpoint, errors ?? {}, msg, { ...opts, status: raw.status })
    }
    if (raw.status === 429) {
      return new RateLimitError({
        ...opts,
        message: msg,
        retryAfter: parseRetryAfter(raw.headers.get('retry-after')),
        limit: numberOrUndefined(
          raw.headers.get('x-ratelimit-limit') ?? raw.headers.get('ratelimit-limit'),
        ),
        remaining: numberOrUndefined(
          raw.headers.get('x-ratelimit-remaining') ?? raw.headers.get('ratelimit-remaining'),
        ),
      })
    }
    if (raw.status === 408) return new TimeoutError(endpoint, 0, msg)
    return new HttpError(msg, raw.status, opts)
  }

  async function request(method, endpoint, body, options = {}) {
    method = method.toUpperCase()
    const started = Date.now()
    const ctx = await readContext(options)
    const plan = core.plan({
      endpoint: String(endpoint),
      refreshedToken: ctx.refreshedToken,
      cookie: ctx.cookie,
      skipAuth: typeof options.skipAuth === 'boolean' ? options.skipAuth : undefined,
    })
    const requestId =
      typeof options.requestId === 'string' && options.requestId
        ? options.requestId
        : options.requestId === true || (options.requestId !== false && reqId.enabled)
          ? reqId.generator()
          : undefined
    const throwOnError = options.throwOnError ?? throwOnErrorDefault
    const done = (result) => {
      if (!result.success && throwOnError && result.error) throw result.error
      return result
    }

    if (plan.auth && !plan.token) {
      log(`✗ ${method} ${endpoint} no token`)
      return done(
        failure(
          401,
          msgs.noToken,
          new AuthError('no_token', msgs.noToken, { endpoint }),
          requestId ? { requestId } : {},
        ),
      )
    }

    let url
    try {
      url = buildUrl(endpoint, options.params, ctx.locale)
    } catch (e) {
      return done(failure(400, e.message, e))
    }

    const headers = new Headers()
    headers.set('accept', 'application/json')
    for (const [k, v] of Object.entries(defaultHeaders))
      if (v !== undefined) headers.set(k, String(v))
    if (options.headers) {
      for (const [k, v] of new Headers(options.headers).entries()) headers.set(k, v)
    }
    if (plan.token) headers.set('authorization', `Bearer ${plan.token}`)
    if (requestId) headers.set(reqId.headerName, requestId)

    const spoofOn = (options.methodSpoofing ?? spoofing.enabled) && SPOOFABLE.includes(method)
    let wireMethod = method
    let wireBody
    const isForm =
      options.isFormData || (typeof FormData !== 'undefined' && body instanceof FormData)
    const sanitizeOut = sanitizeEnabled && plan.sanitize && !options.skipSanitize
    if (body !== undefined && body !== null) {
      if (isForm) {
        if (!(body instanceof FormData)) {
          return done(
            failure(
              400,
              'isFormData requires a FormData body',
              new ApiError('isFormData requires a FormData body', 'BODY_INVALID', { endpoint }),
            ),
          )
        }
        const skip = [...SECRET_BODY_FIELDS, ...(options.skipSanitizeFields ?? [])]
        for (const [k] of body.entries()) if (PASSWORDISH.test(k)) skip.push(k)
        wireBody = sanitizeOut ? bodySanitizer.sanitizeFormData(body, skip) : body
        if (spoofOn && spoofing.strategy === 'body') {
          if (wireBody === body) {
            const copy = new FormData()
            for (const [k, v] of body.entries()) copy.append(k, v)
            wireBody = copy
          }
          wireBody.append(spoofing.fieldName, method)
          wireMethod = 'POST'
        }
      } else if (
        typeof body === 'string' ||
        body instanceof URLSearchParams ||
        body instanceof ArrayBuffer ||
        ArrayBuffer.isView(body)
      ) {
        wireBody = body
        if (spoofOn && spoofing.strategy === 'body') wireMethod = 'POST'
      } else {
        const spoofBody =
          spoofOn &&
          spoofing.strategy === 'body' &&
          typeof body === 'object' &&
          !Array.isArray(body)
        const json = spoofBody ? { ...body, [spoofing.fieldName]: method } : body
        if (spoofBody) wireMethod = 'POST'
        wireBody = JSON.stringify(json)
        if (sanitizeOut && typeof body === 'object' && wireBody !== undefined) {
          // one native pass over the JSON text; secrets are never rewritten
          const skip = [...SECRET_BODY_FIELDS, ...(options.skipSanitizeFields ?? [])]
          for (const k of Object.keys(body)) if (PASSWORDISH.test(k)) skip.push(k)
          wireBody = bodySanitizer.sanitizeJson(wireBody, skip)
        }
        headers.set('content-type', 'application/json')
      }
    } else if (spoofOn && spoofing.strategy === 'body') {
      headers.set('content-type', 'application/json')
      wireBody = JSON.stringify({ [spoofing.fieldName]: method })
      wireMethod = 'POST'
    }
    if (spoofOn && spoofing.strategy === 'header') {
      headers.set('x-http-method-override', method)
      wireMethod = 'POST'
    }

    const init = { method: wireMethod, headers, body: wireBody }
    if (options.cache !== undefined) init.cache = options.cache
    if (options.next !== undefined) init.next = options.next
    const timeoutMs = options.timeout ?? timeout

    if (debug.enabled && debug.logRequests) {
      const data = { method: wireMethod, url, timeout: timeoutMs }
      if (requestId) data.requestId = requestId
      if (wireMethod !== method) data.spoofed = method
      if (debug.logHeaders) data.headers = Object.fromEntries(headers.entries())
      if (debug.logRequestBody && body !== undefined) data.body = body
      log(`→ ${method} ${endpoint}`, data)
    }

    const shouldDedupe =
      dedupe.enabled &&
      options.dedupe !== false &&
      dedupe.methods.includes(method) &&
      wireBody === undefined
    let settled
    if (shouldDedupe) {
      // the token is part of the key: two users never share a response
      const key = JSON.stringify([
        wireMethod,
        url,
        plan.token ?? '',
        Boolean(plan.sanitize && !options.skipSanitize),
        options.skipSanitizeFields ?? [],
        [...headers.entries()].filter(([k]) => k !== reqId.headerName.toLowerCase()),
      ])
      let p = inFlight.get(key)
      if (p) {
        log(`⟳ ${method} ${endpoint} joined an in-flight request`)
      } else {
        p = sendWithRetry(wireMethod, method, url, init, options, endpoint, timeoutMs).then((raw) =>
          settle(raw, plan, options, endpoint),
        )
        inFlight.set(key, p)
        p.finally(() => inFlight.delete(key)).catch(() => {})
      }
      settled = await p
    } else {
      const raw = await sendWithRetry(wireMethod, method, url, init, options, endpoint, timeoutMs)
      settled = await settle(raw, plan, options, endpoint)
    }

    const result = buildResult(settled, endpoint, requestId)
    if (debug.enabled && debug.logResponses) {
      const data = { status: result.status }
      if (debug.logTiming) data.durationMs = Date.now() - started
      if (result.attempts > 1) data.attempts = result.attempts
      if (debug.logHeaders && result.headers)
        data.headers = Object.fromEntries(result.headers.entries())
      if (debug.logResponseBody) data.body = result.data
      if (!result.success) data.error = result.message
      log(`${result.success ? '✓' : '✗'} ${method} ${endpoint} ${result.status}`, data)
    }
    return done(result)
  }

  // get/delete: (endpoint, options) or, for delete, (endpoint, body, options)
  return {
    request,
    get: (endpoint, options) => request('GET', endpoint, undefined, options),
    post: (endpoint, body, options) => request('POST', endpoint, body, options),
    put: (endpoint, body, options) => request('PUT', endpoint, body, options),
    patch: (endpoint, body, options) => request('PATCH', endpoint, body, options),
    delete: (endpoint, bodyOrOptions, options) =>
      options !== undefined
        ? request('DELETE', endpoint, bodyOrOptions, options)
        : request('DELETE', endpoint, undefined, bodyOrOptions),
  }
}

function numberOrUndefined(v) {
  if (v == null) return undefined
  const n = Number(v)
  return Number.isFinite(n) ? n : undefined
}

module.exports = { createApiClient, createRedactor, ApiResponse }
