// createApiClient: the server-side client for route handlers, server actions and server components.

import type { ApiError } from './errors'
import type { SanitizationConfig } from './sanitize'

export interface RetryConfig {
  /** Default `false`. */
  enabled?: boolean
  /** Total attempts including the first. Default `3`. */
  maxAttempts?: number
  /** `'exponential'` (backoffMs * 2^(n-1), default), `'linear'` (backoffMs * n) or `'fixed'`. */
  backoff?: 'exponential' | 'linear' | 'fixed'
  /** Base delay in ms. Default `1000`. A `Retry-After` header (seconds or date, capped at 60 s) wins over it. */
  backoffMs?: number
  /** Statuses that are retried. Default `[408, 429, 500, 502, 503, 504]` (408 also covers our own timeout). */
  retryOn?: number[]
  /** Retry when no response arrived at all. Default `true`. */
  retryOnNetworkError?: boolean
  /**
   * POST and PATCH are never retried unless this is `true`, or the request passes its own
   * `retry` option. Default `false`. (A spoofed PUT/DELETE counts as PUT/DELETE.)
   */
  retryNonIdempotent?: boolean
}

export interface MethodSpoofingConfig {
  /** Default `true` when an object is given. */
  enabled?: boolean
  /** `'body'` (default): send POST with `fieldName` = the method, in JSON or FormData. `'header'`: POST with `X-HTTP-Method-Override`. */
  strategy?: 'body' | 'header'
  /** Default `'_method'`. */
  fieldName?: string
}

export interface DebugConfig {
  /** Default `false` (`debug: true` = enabled with the defaults below). */
  enabled?: boolean
  /** Default `true`. */
  logRequests?: boolean
  /** Default `true`. */
  logResponses?: boolean
  /** Default `true`. */
  logTiming?: boolean
  /** Default `false`. Authorization, Cookie and Set-Cookie are always masked. */
  logHeaders?: boolean
  /** Default `false`. */
  logRequestBody?: boolean
  /** Default `false`. */
  logResponseBody?: boolean
  /** Longer strings are cut. Default `200`. */
  maxStringLength?: number
  /** Longer arrays are cut. Default `10`. */
  maxArrayItems?: number
  /** Deeper values are summarized. Default `5`. */
  maxDepth?: number
  /**
   * Mask fields whose normalized name (case-insensitive, `-`/`_` ignored) contains password,
   * secret, token, authorization, cookie, apiKey, creditCard, cvv, ssn, otp, pin...  Default `true`.
   * `access_token`, `refreshToken`, `Authorization`, `Cookie` and `set-cookie` are masked even when false.
   */
  autoMask?: boolean
  /** More field names (exact, case-insensitive) or RegExps to mask. Default `[]`. */
  sensitiveFields?: Array<string | RegExp>
  /** Default: `console.log('[next-api-layer] <time> <message>', data)`. `data` is already masked. */
  logger?: (message: string, data?: unknown) => void
}

export interface ApiClientConfig {
  /** The backend's base URL, e.g. `http://127.0.0.1:4000/api`. Endpoints are resolved below it and cannot leave it. */
  apiBaseUrl: string
  /** Token cookie names. Default `{ user: 'userToken', guest: 'guestToken' }`. */
  cookies?: { user?: string; guest?: string }
  /** Alias of `cookies.user` (createProxyHandler's spelling). */
  userCookieName?: string
  /** Alias of `cookies.guest` (createProxyHandler's spelling). */
  guestCookieName?: string
  /** Alias of `auth.publicEndpoints` (createProxyHandler's spelling). */
  publicEndpoints?: string[]
  auth?: {
    /** Send requests without a token unless the request says `skipAuth: false`. Default `false`. */
    skipByDefault?: boolean
    /** Endpoint globs (`'posts'`, `'news/*'`, `'public/**'`) that go out without credentials. Default `[]`. */
    publicEndpoints?: string[]
  }
  /**
   * Sanitization of responses and of outgoing JSON/FormData bodies (credential fields such as
   * `password`, `password_confirmation`, `token`, `otp` are never rewritten). Default
   * `{ enabled: true, mode: 'strip' }`.
   */
  sanitization?: SanitizationConfig
  /** Append the `x-locale` request header (set by the auth proxy) as a query parameter. */
  i18n?: {
    /** Default `true` when `i18n` is given. */
    enabled?: boolean
    /** Default `'lang'`. */
    paramName?: string
    /** Only these locales are forwarded, when given. */
    locales?: string[]
    /** Used when there is no (allowed) `x-locale`. */
    defaultLocale?: string
  }
  /** Laravel-style method spoofing for PUT/PATCH/DELETE. Default `false`; `true` = body strategy, `_method`. */
  methodSpoofing?: boolean | MethodSpoofingConfig
  /** Request timeout in ms. Default `30000`. */
  timeout?: number
  /** Headers sent with every request (Authorization is added from the token). Default `{}`. */
  defaultHeaders?: Record<string, string>
  errorMessages?: {
    /** Default `'Token not found. Please log in.'` */
    noToken?: string
    /** Default `'Connection error occurred.'` */
    connectionError?: string
    /** The message (and body) of every 5xx answer; the backend's own body stays in `error.response`. Default `'Server error occurred.'` */
    serverError?: string
    /** Default `'Request timed out.'` */
    timeout?: string
    /** Malformed JSON from the backend. Default `'Invalid response from server.'` */
    invalidResponse?: string
  }
  retry?: RetryConfig
  /** Share identical in-flight requests of the same user (the token is part of the key). Default `{ enabled: false, methods: ['GET'] }`. */
  dedupe?: boolean | { enabled?: boolean; methods?: string[] }
  /** Default `{ enabled: false, headerName: 'X-Request-ID', generator: crypto.randomUUID }`. */
  requestId?: boolean | { enabled?: boolean; headerName?: string; generator?: () => string }
  debug?: boolean | DebugConfig
  /** Throw `result.error` instead of resolving `{ success: false }`. Default `false`. */
  throwOnError?: boolean
  /**
   * Where the incoming request's headers come from (for `x-refreshed-token`, `x-locale`, `cookie`).
   * Default: `headers()` from `next/headers`. Give this (or per-request `context`) outside a
   * Next.js request scope, e.g. in scripts and tests.
   */
  getHeaders?: () =>
    | Headers
    | Record<string, string>
    | undefined
    | Promise<Headers | Record<string, string> | undefined>
  /** Where the token cookies come from: a cookie store (`get(name)`), a `Cookie` header string, or `{ name: value }`. Default: `cookies()` from `next/headers`. */
  getCookies?: () => CookieSource | undefined | Promise<CookieSource | undefined>
}

export type CookieSource =
  | string
  | Record<string, string>
  | { get(name: string): { value: string } | string | undefined }

export interface RequestOptions {
  /** Send the body as FormData (no JSON Content-Type). A FormData body is detected anyway. */
  isFormData?: boolean
  /** Override `methodSpoofing.enabled` for this request. */
  methodSpoofing?: boolean
  /** `true`: no token; `false`: token even for a public endpoint / `skipByDefault`. */
  skipAuth?: boolean
  /** No sanitization of this request's body and response. */
  skipSanitize?: boolean
  /** Extra skip fields for this request. */
  skipSanitizeFields?: string[]
  /** Timeout in ms for this request. */
  timeout?: number
  /** `true`/object: retry this request (also POST/PATCH); `false`: never. */
  retry?: boolean | RetryConfig
  /** `false`: never join an in-flight request. */
  dedupe?: boolean
  /** `true`: generate an id; a string: use it; `false`: none even if enabled. */
  requestId?: boolean | string
  /** Query parameters (arrays repeat the key; null/undefined are left out). */
  params?:
    | Record<
        string,
        string | number | boolean | null | undefined | Array<string | number | boolean>
      >
    | URLSearchParams
  /** Extra outgoing headers for this request. */
  headers?: HeadersInit
  /** Passed to Next.js's `fetch` (e.g. `{ revalidate: 60, tags: ['posts'] }`). */
  next?: { revalidate?: number | false; tags?: string[] }
  /** Passed to `fetch` (`'force-cache'`, `'no-store'`...). */
  cache?: RequestCache
  /** The incoming request's headers/cookies for this call (instead of `next/headers`). */
  context?: { headers?: Headers | Record<string, string>; cookies?: CookieSource }
  /** Throw on failure for this request. */
  throwOnError?: boolean
}

/**
 * The result of every call is a real `Response` (return it from a route handler as it is, or
 * `await res.json()` as with the original library: the body is the backend's sanitized JSON, or
 * `{ success: false, message }` for failures the client answers itself), which also carries the
 * decoded fields below. For 2xx JSON, `data`/`success`/`message`/`errors` are parsed on first
 * access; each caller (also of a deduped request) gets its own objects and its own body stream.
 * Backend response headers are passed on except hop-by-hop ones, `content-encoding`,
 * `content-length` and `set-cookie`.
 */
export interface ApiResult<T = unknown> extends Response {
  success: boolean
  /** The envelope's `data` for `{ success, data, message }` bodies, the whole body otherwise; a string for text, a Buffer for binary, `null` for empty. */
  data: T
  message?: string
  /** HTTP status; 408 for our timeout, 503 for a network error, 401 when no token was found. */
  readonly status: number
  /** Field errors of the backend (`{ field: [messages] }`). */
  errors?: Record<string, string[]>
  /** On failure: TimeoutError, NetworkError, AuthError, ValidationError, RateLimitError, HttpError or ApiError (`'INVALID_JSON'`). */
  error?: ApiError
  /** Attempts made (retries + 1). */
  attempts?: number
  requestId?: string
}

type Body =
  | Record<string, unknown>
  | unknown[]
  | FormData
  | string
  | URLSearchParams
  | ArrayBuffer
  | ArrayBufferView
  | null

export interface ApiClient {
  get<T = unknown>(endpoint: string, options?: RequestOptions): Promise<ApiResult<T>>
  post<T = unknown>(endpoint: string, body?: Body, options?: RequestOptions): Promise<ApiResult<T>>
  put<T = unknown>(endpoint: string, body?: Body, options?: RequestOptions): Promise<ApiResult<T>>
  patch<T = unknown>(endpoint: string, body?: Body, options?: RequestOptions): Promise<ApiResult<T>>
  /** `delete(endpoint, options)` or `delete(endpoint, body, options)`. */
  delete<T = unknown>(
    endpoint: string,
    bodyOrOptions?: Body | RequestOptions,
    options?: RequestOptions,
  ): Promise<ApiResult<T>>
  request<T = unknown>(
    method: string,
    endpoint: string,
    body?: Body,
    options?: RequestOptions,
  ): Promise<ApiResult<T>>
}

/** Builds a client once (config validated; bad config throws with `code: 'ERR_CONFIG_INVALID'`). */
export declare function createApiClient(config: ApiClientConfig): ApiClient

/** The masking used by debug logging, for apps that want the same redaction. */
export declare function createRedactor(options?: DebugConfig): {
  redact<T>(value: T): unknown
  isSensitive(key: string): boolean
}
