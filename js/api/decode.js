// Response decoding for createApiClient: the backend's JSON sanitized natively (and so
// validated) once per exchange, then an ApiResponse for each caller: the backend's
// `{ success, data, message, errors }` envelope read, 2xx JSON parsed lazily, 5xx details kept
// on the server.

const { ApiError } = require('./errors')
const { ApiResponse, passHeaders, failure, serverFailure } = require('./response')
const { errorFor } = require('./status-error')

// Larger JSON texts are sanitized off the main thread.
const ASYNC_SANITIZE_BYTES = 256 * 1024

async function sanitizeJsonText(s, text, plan, options) {
  if (!plan.sanitize || options.skipSanitize) return text
  const skip = options.skipSanitizeFields
  return text.length > ASYNC_SANITIZE_BYTES
    ? s.core.sanitizeJsonAsync(text, skip)
    : s.core.sanitizeJson(text, skip)
}

// Turns a raw exchange into the shared, caller-independent part of the result.
async function settle(s, raw, plan, options, endpoint) {
  if (!raw.ok) return { raw }
  if (raw.kind !== 'json') return { raw }
  try {
    const sanitized = plan.sanitize && !options.skipSanitize
    const text = await sanitizeJsonText(s, raw.payload, plan, options)
    // the native walk validates the JSON; without it, parse once to validate
    if (!sanitized) JSON.parse(text)
    return { raw, text }
  } catch (cause) {
    return {
      raw,
      invalid: new ApiError(s.msgs.invalidResponse, 'INVALID_JSON', {
        endpoint,
        status: raw.status,
        cause,
      }),
    }
  }
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

const isNullBody = (status) => status === 204 || status === 205 || status === 304

// A text, binary or empty answer: `data` is the text, a Buffer or null.
function otherResult(s, raw, headers, endpoint, extra) {
  const value =
    raw.kind === 'text' ? raw.payload : raw.kind === 'binary' ? Buffer.from(raw.payload) : null
  const init = { status: raw.status, headers }
  const body = isNullBody(raw.status) || raw.kind === 'empty' ? null : raw.payload
  if (raw.status >= 200 && raw.status < 300) {
    return new ApiResponse(body, init, { ...extra, success: true, data: value })
  }
  if (raw.status >= 500) {
    const error = errorFor(raw, endpoint, s.msgs.serverError, undefined, value)
    return serverFailure(s, raw.status, headers, { ...extra, data: value, error })
  }
  const msg = `Request failed with status ${raw.status}`
  const error = errorFor(raw, endpoint, msg, undefined, value)
  return new ApiResponse(body, init, { ...extra, success: false, data: value, message: msg, error })
}

function jsonResult(s, raw, text, headers, endpoint, extra) {
  const nullBody = isNullBody(raw.status)
  if (raw.status >= 200 && raw.status < 300) {
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
    const error = errorFor(raw, endpoint, s.msgs.serverError, d.errors, body)
    return serverFailure(s, raw.status, headers, { ...extra, data: d.data, error })
  }
  const msg = d.message ?? `Request failed with status ${raw.status}`
  const error = errorFor(raw, endpoint, msg, d.errors, d.envelope ? body : d.data)
  return new ApiResponse(
    nullBody ? null : text,
    { status: raw.status, headers },
    { ...extra, success: false, data: d.data, message: msg, errors: d.errors, error },
  )
}

/** One caller's ApiResponse from the settled exchange. */
function buildResult(s, settled, endpoint, requestId) {
  const { raw } = settled
  const extra = { attempts: raw.attempts, requestId }
  if (!raw.ok) {
    const status = raw.timeout ? 408 : 503
    return failure(s, status, raw.error.message, raw.error, extra)
  }
  if (settled.invalid) {
    return failure(s, raw.status, settled.invalid.message, settled.invalid, extra)
  }
  const headers = passHeaders(raw.headers, requestId && s.reqId.headerName, requestId)
  if (raw.kind !== 'json') return otherResult(s, raw, headers, endpoint, extra)
  return jsonResult(s, raw, settled.text, headers, endpoint, extra)
}

module.exports = { settle, buildResult }
