// Error classes of the API client (`createApiClient`). A failed request resolves to
// `{ success: false, message, status, error }` where `error` is one of these; with
// `throwOnError: true` the error is thrown instead.

/** Base class of every API-layer error. */
export declare class ApiError extends Error {
  constructor(
    message: string,
    code?: string,
    options?: { endpoint?: string; status?: number; cause?: unknown },
  )
  /** Stable machine code, e.g. `'TIMEOUT'`, `'NETWORK_ERROR'`, `'INVALID_JSON'`, `'HTTP_404'`. Default `'API_ERROR'`. */
  readonly code: string
  readonly timestamp: Date
  /** The endpoint that was requested, when known. */
  readonly endpoint?: string
  /** HTTP status, when there was a response. */
  readonly status?: number
  toJSON(): Record<string, unknown>
}

/** The backend answered with a non-2xx status. */
export declare class HttpError extends ApiError {
  constructor(
    message: string,
    status: number,
    options?: {
      statusText?: string
      response?: unknown
      code?: string
      endpoint?: string
      cause?: unknown
    },
  )
  readonly status: number
  readonly statusText: string
  /** The (sanitized) response body. */
  readonly response?: unknown
  /** 4xx */
  readonly isClientError: boolean
  /** 5xx */
  readonly isServerError: boolean
}

/** The request did not complete within `timeout` ms (status 408, code `'TIMEOUT'`). */
export declare class TimeoutError extends HttpError {
  constructor(endpoint: string, timeoutMs: number, message?: string)
  readonly endpoint: string
  readonly timeoutMs: number
}

/** No response at all: connection refused, reset, DNS failure (code `'NETWORK_ERROR'`). `cause` holds the underlying error. */
export declare class NetworkError extends ApiError {
  constructor(endpoint: string, options?: { message?: string; cause?: Error })
  readonly endpoint: string
}

/** 401: no token in the cascade (`'no_token'`, the backend was not called) or the backend rejected it (`'invalid_token'`). */
export declare class AuthError extends HttpError {
  constructor(
    reason: 'no_token' | 'invalid_token' | 'expired_token',
    message?: string,
    options?: { endpoint?: string; response?: unknown },
  )
  readonly reason: 'no_token' | 'invalid_token' | 'expired_token'
}

/** 422 (or 400 with field errors): `errors` is the backend's `{ field: [messages] }`. */
export declare class ValidationError extends HttpError {
  constructor(
    endpoint: string,
    errors: Record<string, string[]>,
    message?: string,
    options?: { status?: number; response?: unknown },
  )
  readonly endpoint: string
  readonly errors: Record<string, string[]>
  /** Every field message, flattened in field order. */
  readonly allMessages: string[]
  /** The first field message. */
  readonly firstMessage: string | undefined
}

/** 429: `retryAfter` in seconds from the `Retry-After` header; `limit`/`remaining` from rate-limit headers when sent. */
export declare class RateLimitError extends HttpError {
  constructor(options?: {
    message?: string
    retryAfter?: number
    limit?: number
    remaining?: number
    endpoint?: string
  })
  readonly retryAfter?: number
  readonly limit?: number
  readonly remaining?: number
}

export declare function isApiError(error: unknown): error is ApiError
export declare function isHttpError(error: unknown): error is HttpError
export declare function isTimeoutError(error: unknown): error is TimeoutError
export declare function isNetworkError(error: unknown): error is NetworkError
export declare function isAuthError(error: unknown): error is AuthError
export declare function isValidationError(error: unknown): error is ValidationError
export declare function isRateLimitError(error: unknown): error is RateLimitError
/** True for 408, 429, 500, 502, 503, 504. */
export declare function isRetryableStatus(status: number): boolean
/** Timeouts, network errors, rate limits and retryable HTTP statuses. */
export declare function isRetryableError(error: unknown): boolean
/** `[408, 429, 500, 502, 503, 504]` */
export declare const RETRYABLE_STATUS: readonly number[]
