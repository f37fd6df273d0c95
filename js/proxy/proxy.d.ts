import type { NextRequest, NextResponse } from 'next/server'
import type { AuditOptions } from './audit'
import type { CsrfOptions } from './csrf'
import type { RateLimitOptions } from './ratelimit'

/** Attributes of the cookies the layer writes. Defaults are the secure ones. */
export interface CookieOptions {
  /** default `true` */
  httpOnly?: boolean
  /** default `'lax'` */
  sameSite?: 'lax' | 'strict' | 'none'
  /** default: `true` when `NODE_ENV === 'production'` */
  secure?: boolean
  /** default `'/'` */
  path?: string
  domain?: string
  /** Max-Age of the user (and refresh) cookie in seconds. default 7 days */
  maxAge?: number
}

/**
 * A declarative JSON path into the backend's response: a dot path (`'data.user'`,
 * `'data.items[0]'`), a JSON pointer (`'/data/user'`), or `{ path, type: 'dot' | 'pointer' }`.
 */
export type JsonPath = string | { path: string; type?: 'dot' | 'pointer' }

/** `auth/me` mapper: what a function returns, or where the fields are (paths). */
export type ParseAuthMe =
  | ((
      // biome-ignore lint/suspicious/noExplicitAny: the backend's JSON, of any shape
      body: any,
    ) =>
      | Record<string, unknown>
      | { user: Record<string, unknown>; tokenType?: string; exp?: number }
      | null
      | undefined)
  | ((
      // biome-ignore lint/suspicious/noExplicitAny: the backend's JSON, of any shape
      body: any,
    ) => TokenInfo | null)
  | { user?: JsonPath; type?: JsonPath; exp?: JsonPath; success?: JsonPath }

/** next-api-layer's `parseAuthMe` result: `isValid: false` means the token is not valid. */
export interface TokenInfo {
  isValid: boolean
  tokenType: string | null
  /** Expiry, unix seconds. */
  exp: number | null
  userData: Record<string, unknown> | null
  timestamp?: number
}

/** Why a refresh of the user token failed (next-api-layer's `RefreshFailReason`). */
export type RefreshFailReason = 'expired' | 'revoked' | 'reuse' | 'network' | 'unknown'

/** A failed refresh, for `refresh.classifyFail`. */
export interface RefreshFailContext {
  /** HTTP status of the refresh answer. */
  status: number
  /** Its parsed JSON body, or `null`. */
  body: unknown
}

/** What `refresh.store` holds for one old token (persist it verbatim). */
export interface StoredRefreshResult {
  accessToken: string
  refreshToken?: string | null
  /** Absolute expiry, epoch ms; checked on read whatever the store's own TTL does. */
  expiresAt: number
}

/**
 * A store shared by the app's instances (next-api-layer's `RefreshResultStore`): one
 * instance's refresh result is reused by another that sees the same old token moments later.
 * Keys are SHA-256 hashes of the old token, never the token. Best effort, not a lock; a
 * throw is reported through `onError` and the request goes on as if it had missed.
 */
export interface RefreshResultStore {
  get(key: string): Promise<StoredRefreshResult | null> | StoredRefreshResult | null
  set(key: string, value: StoredRefreshResult, ttlMs: number): Promise<void> | void
}

/** refresh / guest mapper: a token string or `{ token, refreshToken?, expiresIn?, exp? }`. */
export type ParseIssuedToken =
  | ((
      // biome-ignore lint/suspicious/noExplicitAny: the backend's JSON, of any shape
      body: any,
    ) =>
      | string
      | { token: string; refreshToken?: string; expiresIn?: number; exp?: number }
      | null
      | undefined)
  | { token?: JsonPath; refreshToken?: JsonPath; expiresIn?: JsonPath; exp?: JsonPath }

/** What `afterAuth` learns about the request. */
export interface AuthResult<TUser = Record<string, unknown>> {
  /** A session whose token type is in `access.allowedTokenTypes`. */
  isAuthenticated: boolean
  isGuest: boolean
  /** The user object from the validate endpoint (parsed on first access). */
  readonly user: TUser | null
  tokenType: string | null
  /** `'refreshed' | 'user' | 'guest'` */
  tokenSource: string | null
  /** The token was refreshed during this request. */
  refreshed: boolean
  /** A guest token was created during this request. */
  guestCreated: boolean
  /** `ERR_BACKEND_UNAVAILABLE | ERR_BACKEND_TIMEOUT | ERR_BACKEND_BAD_RESPONSE` on backend trouble. */
  error: string | null
  locale: string | null
  /**
   * Set when the proxy skipped auth for this request: `'excluded'` (`excludedPaths`) or
   * `'auth-api'` (`authApi.bypassPaths`). Undefined: the request went through auth.
   */
  bypassed?: 'excluded' | 'auth-api'
  /** Why the refresh of the user token failed in this request, if it did. */
  refreshFail: RefreshFailReason | null
}

/** What `beforeAuth` / `afterAuth` may return: a response to use, or nothing. */
export type HookResult =
  | Response
  | NextResponse
  | null
  | undefined
  | Promise<Response | NextResponse | null | undefined>

export interface AuthProxyConfig<TUser = Record<string, unknown>> {
  /** The backend's base URL (http/https). Required. */
  apiBaseUrl: string
  cookies?: {
    /** default `'userToken'` */
    user?: string
    /** default `'guestToken'` */
    guest?: string
    /**
     * Name the auth cookies `__Host-<name>` (`__Host-userToken`...): browsers then require
     * Secure, Path=/ and no Domain, and no subdomain can set or overwrite them (cookie tossing).
     * Give the prefixed names to createProxyHandler / getServerUser. Needs HTTPS (or
     * localhost). default `false`
     */
    hostPrefix?: boolean
    options?: CookieOptions
    /**
     * next-api-layer's dual-token mode: the refresh-token cookie. Naming it turns on
     * `refresh.style: 'cookie'` (the same machinery, two spellings): the refresh cookie is
     * sent to the refresh endpoint (as Bearer and in the body), and the rotated refresh
     * token is written back. default: none
     */
    refresh?: string
    /** Options of the refresh-token cookie (e.g. a narrow `path`, a longer `maxAge`). default `options` */
    refreshOptions?: CookieOptions
  }
  endpoints?: {
    /** default `'auth/me'` */
    validate?: string
    /** default `'auth/refresh'` */
    refresh?: string
    /** default `'auth/guest'` */
    guest?: string
  }
  guestToken?: {
    /** default `false` */
    enabled?: boolean
    /** JSON body sent to the guest endpoint, e.g. `{ username, password }`. default `{}` */
    credentials?: Record<string, unknown>
    /** Guest cookie lifetime in seconds. default 3600 */
    ttl?: number
    /**
     * Guests minted per client, keyed like the rate limiter (`rateLimit.trustedProxies`,
     * `rateLimit.keyFn`): a flood from one client cannot mint a guest per request. Over the
     * limit the request goes on without a guest. `false`: unbounded.
     * default `{ maxRequests: 30, windowMs: 60000 }`
     */
    rateLimit?: false | { maxRequests?: number; windowMs?: number }
  }
  refresh?: {
    /** default `true` */
    enabled?: boolean
    /**
     * `'bearer'` (default): POST refresh with the current token as Bearer.
     * `'cookie'`: the refresh token from its own cookie is sent in the JSON body, and the
     * rotated refresh token is written back.
     */
    style?: 'bearer' | 'cookie'
    /** Refresh proactively when the token expires within this many seconds. default 0 (off) */
    thresholdSeconds?: number
    /** How long a refresh outcome serves requests still carrying the old token. default 10000 */
    graceMs?: number
    /** Refresh-token cookie (cookie style). default `'refreshToken'` */
    cookie?: string
    /** Body field for the refresh token (cookie style). default `'refresh_token'` */
    bodyField?: string
    /** Coalesce concurrent refreshes of one token into one backend call. default `true` */
    singleFlight?: boolean
    /** Refresh a valid token `proactiveWindow` seconds before it expires. default `false` */
    proactive?: boolean
    /** Seconds before expiry for `proactive` (same as `thresholdSeconds`). default `120` */
    proactiveWindow?: number
    /** Refresh statuses meaning a rotated refresh token was replayed (fails closed). default `[409]` */
    reuseStatusCodes?: number[]
    /** Body `code` / `error` / `reason` values meaning the same. default `['token_reuse']` */
    reuseCodes?: string[]
    /** Classifies a refused refresh; a returned reason overrides the built-in mapping. */
    classifyFail?: (ctx: RefreshFailContext) => RefreshFailReason | undefined
    /**
     * Called when a refresh of the user token fails, with the reason. A `reuse` also clears
     * every auth cookie, never falls back to a guest, and is audited as `auth:reuse`.
     */
    onRefreshFail?: (reason: RefreshFailReason, req: NextRequest) => void | Promise<void>
    /** Shares refresh results across instances (ignored, with a warning, when the native `store` is set). */
    store?: RefreshResultStore
    /** How long a result stays reusable in `store`, ms. default `60000` */
    storeTtlMs?: number
  }
  access?: {
    /**
     * Route globs: exact, `*` one segment, `**` any depth (`/dashboard/**` matches `/dashboard`).
     * default `[]`
     */
    protectedRoutes?: string[]
    /** Login/register pages: signed-in users are sent to the return-to path or `afterLoginPath`. default `[]` */
    authRoutes?: string[]
    /** Always allowed, never redirected. default `[]` */
    publicRoutes?: string[]
    /** Everything not public/auth is protected. default `false` */
    protectedByDefault?: boolean
    /** Token types allowed on protected routes. default `['user']` */
    allowedTokenTypes?: string[]
    /** default `'/login'` */
    loginPath?: string
    /** Query parameter holding the same-origin return-to path. default `'returnTo'` */
    returnToParam?: string
    /** default `'/'` */
    afterLoginPath?: string
    /** API routes (JSON 401/403/503 instead of redirects). default `'/api'` */
    apiPrefix?: string
    /**
     * When a user token cannot be refreshed, may the request go on as a guest? `false`:
     * cookies cleared, pages redirect to login, APIs get 401. default `true`
     */
    guestFallbackOnUserRefreshFail?: boolean
  }
  /** Auth API routes the proxy leaves to themselves. */
  authApi?: {
    /**
     * Exact paths with no refresh, no guest creation and no 401 (the token is still judged
     * for CSRF). Replaces the default list. default
     * `['/api/auth/login', '/api/auth/logout', '/api/auth/me', '/api/auth/refresh', '/api/auth/register']`
     */
    bypassPaths?: string[]
  }
  /** Called with store, backend and hook errors (it never breaks the request itself). */
  onError?: (error: Error) => void
  cache?: {
    /** Validation cache TTL in ms (never past the token's `exp`). default 2000 */
    ttl?: number
    /** Max cached tokens. default 100 */
    maxSize?: number
    /** How long a rejected token is remembered, ms. default 1000 */
    negativeTtl?: number
    /**
     * Refresh-ahead: a verdict used in this last fraction of `ttl` is re-validated in the
     * background, so a token in steady use never waits for the backend (no verdict is ever
     * older than `ttl`). One background call per verdict. Ignored with local verification.
     * default 0.2; 0 turns it off
     */
    revalidateAhead?: number
  }
  /** Backend timeout in ms. default 5000 */
  timeout?: number
  backend?: {
    /** Backend timeout in ms (same as `timeout`). */
    timeout?: number
    /**
     * Largest body read from the validate, refresh and guest endpoints, in bytes. A larger one
     * is backend trouble (503 for API routes, nobody logged out), never buffered whole.
     * default `1048576` (1 MiB)
     */
    maxBodyBytes?: number
    /**
     * Largest `x-auth-user` passed downstream (base64 bytes). Above it none is sent (said once
     * in the log) and getServerUser reads the user from the cache. default `16384`
     */
    maxUserHeaderBytes?: number
  }
  /**
   * What the deployment's access tokens are. `'jwt'`: a token that is not even shaped like a
   * JWT is refused without asking the backend. default `'any'`
   */
  tokenFormat?: 'any' | 'jwt'
  /**
   * When the signed user travels downstream as the `x-auth-user` request header. `'auto'`:
   * only when the proxy rewrites the request anyway (a refresh, a new guest, a cleared cookie,
   * `x-locale`, a client's internal header stripped); on an unchanged request `getServerUser`
   * and the auth routes read the same user from this proxy's engine by the request's cookie,
   * without a backend call, and Next.js skips rebuilding the request headers. `'always'`: on
   * every request with a session (code that reads the header itself, or runs in another
   * process). With `cache.ttl: 0` the header always travels. default `'auto'`
   */
  userHeader?: 'auto' | 'always'
  i18n?: {
    /** default: `true` when `locales` is not empty */
    enabled?: boolean
    /** Locale prefixes stripped before route matching (`/tr/dashboard` -> `/dashboard`). default `[]` */
    locales?: string[]
    /** `x-locale` when the path has no locale prefix. default: none */
    defaultLocale?: string
    /** e.g. next-intl's middleware; auth cookies and headers are merged into its response. */
    middleware?: (
      req: NextRequest,
    ) =>
      | Response
      | NextResponse
      | Promise<Response | NextResponse | undefined | null>
      | undefined
      | null
  }
  responseMappers?: {
    /** default `{ user: 'data', type: 'data.type', exp: 'data.exp', success: 'success' }` */
    parseAuthMe?: ParseAuthMe
    /**
     * default `{ token: 'data.accessToken' | 'data.token', refreshToken: 'data.refreshToken' |
     * 'data.refresh_token', expiresIn: 'data.expires_in', exp: 'data.exp' }`
     */
    parseRefreshToken?: ParseIssuedToken
    /** default: as `parseRefreshToken` */
    parseGuestToken?: ParseIssuedToken
    /** Dual-token mode: the rotated refresh token. default `data.refreshToken` | `data.refresh_token` */
    parseNewRefreshToken?: (
      // biome-ignore lint/suspicious/noExplicitAny: the backend's JSON, of any shape
      body: any,
    ) => string | null | undefined
  }
  /** Runs first; a returned response short-circuits (internal headers are still stripped). */
  beforeAuth?: (req: NextRequest) => HookResult
  /** Runs last; a returned response replaces `res` (auth cookies and headers are kept). */
  afterAuth?: (req: NextRequest, res: NextResponse, authResult: AuthResult<TUser>) => HookResult
  /** Path globs the proxy lets through untouched (internal headers are still stripped). default `[]` */
  excludedPaths?: string[]
  /** Answer 403 JSON to browser navigations to API routes. default `false` */
  blockBrowserApiAccess?: boolean
  /** `secure` cookies; default `NODE_ENV === 'production'` */
  production?: boolean
  /** Rate limiting (GCRA), before auth. Off unless given. */
  rateLimit?: RateLimitOptions
  /** CSRF protection for unsafe methods, once the session is known. Off unless given. */
  csrf?: CsrfOptions
  /** Audit events to a logger. Off unless given. */
  audit?: AuditOptions
  /**
   * Shared state on Redis (or Valkey) for more than one app instance: one refresh per token
   * family, exact rate limits and logout visible on every instance. In-process unless given.
   * When `refresh.store` is given too, this one wins (a warning says so).
   */
  store?: StoreOptions
  /** How a token is judged: the backend (default) or local JWT verification. */
  validate?: ValidateOptions
}

/** What next-api-layer 0.4's `validate.verify` returns (or `{ user, type, exp }`, or `null`). */
export interface TokenInfo {
  isValid: boolean
  tokenType: string | null
  exp: number | null
  userData: Record<string, unknown> | null
}

/** A JSON path into the token's claims: `'profile'`, `'a.b[0]'`, `'/a/b'` or `{ path, type }`. */
export type ClaimPath = string | { path: string; type?: 'dot' | 'pointer' }

/**
 * How a token is judged. `'backend'` (default): the validate endpoint. `'local'`: the JWT is
 * verified here, natively (signature, algorithm, `exp`/`nbf`, issuer, audience), with no
 * backend call for a first-seen token; the backend is asked again only every
 * `revalidateInterval`.
 */
export interface ValidateOptions {
  /** default `'backend'` */
  mode?: 'backend' | 'local'
  /** HMAC secret (HS256/384/512). Never a PEM: public keys go in `publicKey`. */
  secret?: string
  /** Accepted algorithms; default: all that the configured keys can verify. `none` is refused. */
  algorithms?: Array<
    | 'HS256'
    | 'HS384'
    | 'HS512'
    | 'RS256'
    | 'RS384'
    | 'RS512'
    | 'PS256'
    | 'PS384'
    | 'PS512'
    | 'ES256'
    | 'ES384'
    | 'EdDSA'
  >
  /** Seconds between two backend re-checks of one token; `0` = local until `exp`. default `0` */
  revalidateInterval?: number
  /**
   * next-api-layer 0.4's hook: judges tokens in JS instead of the keys (async; a first-seen
   * token then takes the async path). Returns `TokenInfo`, `{ user, type, exp }` or `null`.
   */
  verify?: (
    token: string,
  ) =>
    | TokenInfo
    | Record<string, unknown>
    | null
    | undefined
    | Promise<TokenInfo | Record<string, unknown> | null | undefined>
  /** The backend's JWKS (cached; refetched on an unknown `kid`, at most once per cooldown). */
  jwksUrl?: string
  /** Public key(s): PEM (SPKI) strings or JWK objects. */
  publicKey?: string | Record<string, unknown> | Array<string | Record<string, unknown>>
  /** Required `iss` (one of). */
  issuer?: string | string[]
  /** Required `aud` (one of). */
  audience?: string | string[]
  /** Clock skew allowed on `exp`/`nbf`, seconds. default `0` */
  leewaySeconds?: number
  /** Claims that must be present. default `['exp']` */
  requiredClaims?: string[]
  /** Which claims make the user. default: the whole claim set, `type`/`token_type`, `exp` */
  userFromClaims?: { user?: ClaimPath; type?: ClaimPath; exp?: ClaimPath }
  /** JWKS cache lifetime when the response has no `max-age`, seconds. default `600` */
  jwksCacheMaxAge?: number
  /** Least time between two JWKS fetches caused by unknown `kid`s or failures, seconds. default `30` */
  jwksCooldown?: number
  /** Most keys kept from the JWKS. default `100` */
  jwksMaxKeys?: number
}

/** `store`: the Redis every instance of the app shares. */
export interface StoreOptions {
  /** `redis://[user:password@]host:port[/db]`, `rediss://` for TLS. */
  url: string
  /** Prefix of every key and channel, so apps can share one Redis. default `'nal:'` */
  keyPrefix?: string
  /**
   * Redis down or slower than `timeoutMs`: `'local'` falls back to in-process state (logged
   * once per outage); `'closed'` answers 503 `ERR_STORE_UNAVAILABLE` for what needs shared
   * state (refresh, rate limits, revocation checks). default `'local'`
   */
  onUnavailable?: 'local' | 'closed'
  /** Longest wait for one Redis command, ms. default 250 */
  timeoutMs?: number
}

/** Counters of the shared store (`store` configured). */
export interface StoreStats {
  commands: number
  errors: number
  outages: number
  /** Answers from in-process state while Redis was unavailable (`'local'`). */
  fallbacks: number
  /** 503 answers while Redis was unavailable (`'closed'`). */
  refused: number
  /** Backend refreshes this instance ran for every instance. */
  refreshLed: number
  /** Refreshes answered from Redis (another instance called the backend). */
  refreshShared: number
  rateChecks: number
  rateDenyCacheHits: number
  revocationsPublished: number
  revocationsReceived: number
  /** Redis answered the last command. */
  up: boolean
}

/** Engine counters. */
export interface AuthProxyStats {
  cacheHits: number
  cacheMisses: number
  backendValidateCalls: number
  backendRefreshCalls: number
  backendGuestCalls: number
  coalescedWaiters: number
  graceHits: number
  negativeCacheHits: number
  backendErrors: number
  syncDecisions: number
  asyncDecisions: number
  /** Cached verdicts re-validated in the background before their end (`cache.revalidateAhead`). */
  revalidatedAhead: number
  /** Requests refused with 429. */
  rateLimited: number
  /** Client keys held by the rate limiter (bounded by `rateLimit.maxKeys`). */
  rateLimitKeys: number
  /** Keys dropped to stay within the bound. */
  rateLimitEvicted: number
  /** Unsafe requests refused by the CSRF check. */
  csrfFailures: number
  /** Audit events produced. */
  auditEmitted: number
  /** Audit events handed to the logger. */
  auditDelivered: number
  /** Audit events dropped because the logger could not keep up (bounded queue). */
  auditDropped: number
  /** The shared store's counters, when `store` is configured. */
  store?: StoreStats
  /** Tokens judged by local verification (`validate.mode: 'local'`). */
  localVerifications: number
  /** JWKS fetches, and those that failed (the cached keys were kept). */
  jwksFetches: number
  jwksFetchErrors: number
  /** JWKS fetches caused by an unknown `kid` (at most one per cooldown). */
  jwksUnknownKidRefetches: number
  /** Locally verified tokens re-checked with the backend (`revalidateInterval`). */
  revalidations: number
}

export interface AuthProxy {
  (req: NextRequest, event?: unknown): Promise<Response>
  stats(): AuthProxyStats
}

/**
 * Creates the auth proxy for Next.js 16 `proxy.ts` (`export const proxy = authProxy`) or
 * Next.js 15 `middleware.ts` (`export default authProxy`, `runtime: 'nodejs'`).
 * Throws an `Error` with `code: 'ERR_CONFIG_INVALID'` naming the option on bad config.
 */
export declare function createAuthProxy<TUser = Record<string, unknown>>(
  config: AuthProxyConfig<TUser>,
): AuthProxy
