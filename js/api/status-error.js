// The typed error a backend's non-2xx answer becomes on ApiResponse.error (and is thrown with
// throwOnError): AuthError, ValidationError, RateLimitError, TimeoutError or HttpError.

const { HttpError, TimeoutError, AuthError, ValidationError, RateLimitError } = require('./errors')
const { parseRetryAfter } = require('./retry')

function numberOrUndefined(v) {
  if (v == null) return undefined
  const n = Number(v)
  return Number.isFinite(n) ? n : undefined
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

module.exports = { errorFor }
