// Error classes of the API client. `createApiClient` never throws for a failed request by
// default: the result carries `error` (one of these) next to `{ success: false, message,
// status }`; with `throwOnError` it is thrown instead.

const { wallDate } = require('../shared/clock')

const STATUS_TEXT = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
}

const RETRYABLE_STATUS = [408, 429, 500, 502, 503, 504]

function statusText(status) {
  return STATUS_TEXT[status] || 'Unknown Error'
}

class ApiError extends Error {
  constructor(message, code = 'API_ERROR', options = {}) {
    super(message, options.cause ? { cause: options.cause } : undefined)
    this.name = 'ApiError'
    this.code = code
    this.timestamp = wallDate()
    if (options.endpoint !== undefined) this.endpoint = options.endpoint
    if (options.status !== undefined) this.status = options.status
  }

  toJSON() {
    const out = {
      name: this.name,
      message: this.message,
      code: this.code,
      timestamp: this.timestamp.toISOString(),
    }
    if (this.endpoint !== undefined) out.endpoint = this.endpoint
    if (this.status !== undefined) out.status = this.status
    return out
  }
}

class HttpError extends ApiError {
  constructor(message, status, options = {}) {
    super(message, options.code || `HTTP_${status}`, options)
    this.name = 'HttpError'
    this.status = status
    this.statusText = options.statusText || statusText(status)
    this.response = options.response
  }

  get isClientError() {
    return this.status >= 400 && this.status < 500
  }

  get isServerError() {
    return this.status >= 500
  }

  toJSON() {
    return { ...super.toJSON(), statusText: this.statusText, response: this.response }
  }
}

class TimeoutError extends HttpError {
  constructor(endpoint, timeoutMs, message) {
    super(message || `Request to '${endpoint}' timed out after ${timeoutMs}ms`, 408, {
      code: 'TIMEOUT',
      statusText: 'Request Timeout',
      endpoint,
    })
    this.name = 'TimeoutError'
    this.timeoutMs = timeoutMs
    this.endpoint = endpoint
  }

  toJSON() {
    return { ...super.toJSON(), timeoutMs: this.timeoutMs }
  }
}

class NetworkError extends ApiError {
  constructor(endpoint, options = {}) {
    super(options.message || `Network error while requesting '${endpoint}'`, 'NETWORK_ERROR', {
      endpoint,
      cause: options.cause,
    })
    this.name = 'NetworkError'
    this.endpoint = endpoint
  }

  toJSON() {
    return { ...super.toJSON(), cause: this.cause?.message }
  }
}

const AUTH_MESSAGES = {
  no_token: 'Authentication required',
  invalid_token: 'Invalid authentication token',
  expired_token: 'Authentication token has expired',
}

class AuthError extends HttpError {
  constructor(reason, message, options = {}) {
    super(message || AUTH_MESSAGES[reason] || 'Unauthorized', 401, {
      ...options,
      code: `AUTH_${String(reason).toUpperCase()}`,
      statusText: 'Unauthorized',
    })
    this.name = 'AuthError'
    this.reason = reason
  }

  toJSON() {
    return { ...super.toJSON(), reason: this.reason }
  }
}

class ValidationError extends HttpError {
  constructor(endpoint, errors, message, options = {}) {
    super(message || `Validation failed for '${endpoint}'`, options.status || 422, {
      ...options,
      code: 'VALIDATION_ERROR',
      endpoint,
    })
    this.name = 'ValidationError'
    this.endpoint = endpoint
    this.errors = errors && typeof errors === 'object' ? errors : {}
  }

  /** Every field message, flattened. */
  get allMessages() {
    const out = []
    for (const v of Object.values(this.errors)) {
      if (Array.isArray(v)) out.push(...v.map(String))
      else if (v != null) out.push(String(v))
    }
    return out
  }

  /** The first field message, or undefined. */
  get firstMessage() {
    return this.allMessages[0]
  }

  toJSON() {
    return { ...super.toJSON(), errors: this.errors }
  }
}

class RateLimitError extends HttpError {
  constructor(options = {}) {
    super(options.message || 'Too many requests', 429, {
      ...options,
      code: 'RATE_LIMITED',
      statusText: 'Too Many Requests',
    })
    this.name = 'RateLimitError'
    this.retryAfter = options.retryAfter
    this.limit = options.limit
    this.remaining = options.remaining
  }

  toJSON() {
    return {
      ...super.toJSON(),
      retryAfter: this.retryAfter,
      limit: this.limit,
      remaining: this.remaining,
    }
  }
}

const isApiError = (e) => e instanceof ApiError
const isHttpError = (e) => e instanceof HttpError
const isTimeoutError = (e) => e instanceof TimeoutError
const isNetworkError = (e) => e instanceof NetworkError
const isAuthError = (e) => e instanceof AuthError
const isValidationError = (e) => e instanceof ValidationError
const isRateLimitError = (e) => e instanceof RateLimitError
const isRetryableStatus = (status) => RETRYABLE_STATUS.includes(status)

function isRetryableError(e) {
  if (isTimeoutError(e) || isNetworkError(e) || isRateLimitError(e)) return true
  if (isHttpError(e)) return isRetryableStatus(e.status)
  return false
}

module.exports = {
  ApiError,
  HttpError,
  TimeoutError,
  NetworkError,
  AuthError,
  ValidationError,
  RateLimitError,
  isApiError,
  isHttpError,
  isTimeoutError,
  isNetworkError,
  isAuthError,
  isValidationError,
  isRateLimitError,
  isRetryableStatus,
  isRetryableError,
  RETRYABLE_STATUS,
}
