// Request building for createApiClient: the backend URL (base, params, locale), the headers
// (defaults, the caller's, the bearer token, the request id) and the wire body: JSON or
// FormData, sanitized on the way out except credentials, with method spoofing for backends
// that take only POST.

const { ApiError } = require('./errors')

const SPOOFABLE = ['PUT', 'PATCH', 'DELETE']
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

/** The request's id: its own string, a generated one, or none. */
function requestIdFor(s, options) {
  if (typeof options.requestId === 'string' && options.requestId) return options.requestId
  return options.requestId === true || (options.requestId !== false && s.reqId.enabled)
    ? s.reqId.generator()
    : undefined
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

/** The backend URL; throws an ApiError when the endpoint would leave apiBaseUrl. */
function buildUrl(s, endpoint, params, locale) {
  const path = String(endpoint).replace(/^\/+/, '')
  const url = new URL(path, s.baseUrl)
  if (!url.href.startsWith(s.baseUrl)) {
    throw new ApiError(`Endpoint '${endpoint}' resolves outside apiBaseUrl`, 'ENDPOINT_INVALID', {
      endpoint,
    })
  }
  appendParams(url, params)
  const { i18n } = s
  if (i18n) {
    let loc = locale
    if (loc && Array.isArray(i18n.locales) && !i18n.locales.includes(loc)) loc = undefined
    if (!loc && i18n.defaultLocale) loc = i18n.defaultLocale
    if (loc && !url.searchParams.has(s.paramName)) url.searchParams.set(s.paramName, loc)
  }
  return url.toString()
}

function buildHeaders(s, options, plan, requestId) {
  const headers = new Headers()
  headers.set('accept', 'application/json')
  for (const [k, v] of Object.entries(s.defaultHeaders))
    if (v !== undefined) headers.set(k, String(v))
  if (options.headers) {
    for (const [k, v] of new Headers(options.headers).entries()) headers.set(k, v)
  }
  if (plan.token) headers.set('authorization', `Bearer ${plan.token}`)
  if (requestId) headers.set(s.reqId.headerName, requestId)
  return headers
}

/** Field names the outgoing sanitizer leaves alone: credentials and the caller's list. */
function secretFields(keys, options) {
  const skip = [...SECRET_BODY_FIELDS, ...(options.skipSanitizeFields ?? [])]
  for (const k of keys) if (PASSWORDISH.test(k)) skip.push(k)
  return skip
}

function formBody(s, method, body, options, sanitizeOut, spoofBody) {
  const skip = secretFields(
    [...body.entries()].map(([k]) => k),
    options,
  )
  let wireBody = sanitizeOut ? s.bodySanitizer.sanitizeFormData(body, skip) : body
  if (!spoofBody) return { wireMethod: method, wireBody }
  if (wireBody === body) {
    // the caller's FormData is not ours to append to
    const copy = new FormData()
    for (const [k, v] of body.entries()) copy.append(k, v)
    wireBody = copy
  }
  wireBody.append(s.spoofing.fieldName, method)
  return { wireMethod: 'POST', wireBody }
}

function jsonBody(s, method, body, options, sanitizeOut, spoofBody) {
  // only a plain object can carry the method field; an array or a scalar goes as it is
  const spoofed = spoofBody && typeof body === 'object' && !Array.isArray(body)
  const json = spoofed ? { ...body, [s.spoofing.fieldName]: method } : body
  let wireBody = JSON.stringify(json)
  if (sanitizeOut && typeof body === 'object' && wireBody !== undefined) {
    // one native pass over the JSON text; secrets are never rewritten
    wireBody = s.bodySanitizer.sanitizeJson(wireBody, secretFields(Object.keys(body), options))
  }
  return { wireMethod: spoofed ? 'POST' : method, wireBody }
}

/**
 * `{ wireMethod, wireBody }` as sent, setting content-type and the override header on
 * `headers`; `{ invalid: true }` when isFormData is set without a FormData body.
 */
function buildBody(s, method, body, options, plan, headers) {
  const { spoofing } = s
  const spoofOn = (options.methodSpoofing ?? spoofing.enabled) && SPOOFABLE.includes(method)
  const spoofBody = spoofOn && spoofing.strategy === 'body'
  const isForm = options.isFormData || (typeof FormData !== 'undefined' && body instanceof FormData)
  const sanitizeOut = s.sanitizeEnabled && plan.sanitize && !options.skipSanitize
  let wire
  if (body === undefined || body === null) {
    wire = { wireMethod: method, wireBody: undefined }
    if (spoofBody) {
      headers.set('content-type', 'application/json')
      wire = { wireMethod: 'POST', wireBody: JSON.stringify({ [spoofing.fieldName]: method }) }
    }
  } else if (isForm) {
    if (!(body instanceof FormData)) return { invalid: true }
    wire = formBody(s, method, body, options, sanitizeOut, spoofBody)
  } else if (
    typeof body === 'string' ||
    body instanceof URLSearchParams ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body)
  ) {
    wire = { wireMethod: spoofBody ? 'POST' : method, wireBody: body }
  } else {
    wire = jsonBody(s, method, body, options, sanitizeOut, spoofBody)
    headers.set('content-type', 'application/json')
  }
  if (spoofOn && spoofing.strategy === 'header') {
    headers.set('x-http-method-override', method)
    wire.wireMethod = 'POST'
  }
  return wire
}

module.exports = { requestIdFor, buildUrl, buildHeaders, buildBody }
