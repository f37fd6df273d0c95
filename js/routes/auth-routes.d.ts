/**
 * Ready-made auth route handlers: `login`, `register`, `logout`, `me`, `refresh`.
 *
 * ```ts
 * // app/api/auth/[action]/route.ts   (what AuthProvider calls by default)
 * import { createAuthRoutes } from 'next-api-layer-native'
 *
 * export const { GET, POST } = createAuthRoutes({ apiBaseUrl: process.env.API_BASE_URL! })
 * ```
 *
 * or one file per action: `export const POST = auth.login` in `app/api/auth/login/route.ts`.
 *
 * | action   | method | backend call (default endpoint)      | answer to the browser                          |
 * |----------|--------|--------------------------------------|------------------------------------------------|
 * | login    | POST   | `POST auth/login` (JSON or form body) | `200 { success, message, data: { user } }`     |
 * | register | POST   | `POST auth/register`                 | backend status (201) `{ success, message, data: { user } }` |
 * | logout   | POST   | `POST auth/logout` (Bearer)          | `200 { success: true, message }`               |
 * | me       | GET    | `GET auth/me` (Bearer)               | `200 { success: true, data: { user } }` or `401 { success: false, message, data: { user: null } }` |
 * | refresh  | POST   | `POST auth/refresh`                  | `200 { success: true, data: { user } }` or `401` |
 *
 * - login/register/refresh set the access token (user cookie) and, when the backend issues one,
 *   the refresh token (refresh cookie) as `HttpOnly; SameSite=Lax; Path=/` cookies (`Secure` in
 *   production), built by the native cookie builder (same attributes as the auth proxy), and
 *   clear the guest cookie. Tokens are never in a response body.
 * - Backend failures pass through with their status as `{ success: false, message, errors? }`
 *   (e.g. the 422 field errors of a wrong password). Backend unreachable → 502, timeout → 504,
 *   generic messages (details in `console.error`).
 * - `me` answers from the signed `x-auth-user` header when the auth proxy (`proxy.ts`) already
 *   validated this request (no backend call; a forged header fails the signature check).
 *   Otherwise it uses the token cascade (`x-refreshed-token`, user cookie, guest cookie; a guest gets its
 *   guest user). When the backend refuses the USER token, `me` refreshes once (see
 *   `refresh.style`), sets the new cookies and asks again; if that fails too, it answers 401 and
 *   clears the cookies.
 * - `refresh` does the same on demand. The demo backend rotates refresh tokens: a replay → 401
 *   and the cookies are cleared.
 * - `logout` calls the backend's logout endpoint with the access token as Bearer and, when a
 *   refresh cookie exists, `{ [logout.bodyField]: refreshToken }` as JSON body (simplejwt's
 *   blacklist view, Laravel's and most Express logouts accept this), and always clears the user,
 *   refresh and guest cookies, whatever the backend answers.
 * - Failures carry the backend's message and field errors normalized for Laravel, DRF, ASP.NET
 *   Core problem details and express-validator (`normalizeBackendError`; `parseErrorResponse`).
 */

import type { CookieOptions } from '../proxy/proxy'

/** What `parseAuthResponse` returns from a login/register/refresh response. */
export interface ParsedAuthResponse<TUser = Record<string, unknown>> {
  /** The access token (stored in the user cookie). */
  token: string
  /** The refresh token, when the backend issues one (stored in the refresh cookie). */
  refreshToken?: string
  /** The user; when absent, `me` is called with the new token to get it. */
  user?: TUser
}

export interface AuthRoutesConfig<TUser = Record<string, unknown>> {
  /** Backend base URL. Required (falls back to `API_BASE_URL`, then `BACKEND_API_URL`). */
  apiBaseUrl?: string
  /**
   * Backend endpoints, relative to `apiBaseUrl` (or absolute). Defaults: `auth/login`,
   * `auth/register`, `auth/logout`, `auth/me`, `auth/refresh`.
   */
  endpoints?: Partial<Record<'login' | 'register' | 'logout' | 'me' | 'refresh', string>>
  /** Same shape as `createAuthProxy`'s `cookies`, so one config object can serve both. */
  cookies?: {
    /** User (access token) cookie. Default `'userToken'`. */
    user?: string
    /** Guest cookie, cleared on login/register/logout. Default `'guestToken'`. */
    guest?: string
    /** `__Host-<name>` cookies, as `createAuthProxy`'s `cookies.hostPrefix`. Default `false`. */
    hostPrefix?: boolean
    /**
     * The cookie attributes, as for `createAuthProxy` (defaults: `httpOnly`, `sameSite: 'lax'`,
     * `Secure` in production, `path: '/'`). `maxAge` here is the user cookie's (default 7 days:
     * it outlives the access token on purpose, so an expired token can still be refreshed); the
     * refresh cookie has `refresh.maxAge`.
     */
    options?: CookieOptions
  }
  refresh?: {
    /**
     * How `me`/`refresh` renew a session: `'cookie'` sends the refresh cookie in the body,
     * `'bearer'` sends the (expired) user token as Bearer, `'auto'` tries the refresh cookie and
     * falls back to the user token when it is refused (the auth proxy may have refreshed with the
     * access token meanwhile). Default `'auto'`.
     */
    style?: 'auto' | 'bearer' | 'cookie'
    /** Refresh-token cookie. Default `'refreshToken'`. */
    cookie?: string
    /** Max-Age of the refresh cookie, seconds. Default 7 days. */
    maxAge?: number
    /** Body field the refresh token is sent in. Default `'refresh_token'`. */
    bodyField?: string
  }
  /**
   * What `logout` sends to `endpoints.logout` (the backend's logout or blacklist endpoint).
   * The cookies are cleared whatever the backend answers.
   */
  logout?: {
    /** The access token as `Authorization: Bearer`. Default `true`. */
    sendAccessToken?: boolean
    /** The refresh cookie's token in the JSON body, when the cookie exists. Default `true`. */
    sendRefreshToken?: boolean
    /** The body field it is sent in. Default `refresh.bodyField`. */
    bodyField?: string
  }
  /** Alias of `cookies.user`. */
  userCookieName?: string
  /** Alias of `cookies.guest`. */
  guestCookieName?: string
  /** Alias of `refresh.cookie`. */
  refreshCookieName?: string
  /** Secure cookies by default. Default `process.env.NODE_ENV === 'production'`. */
  production?: boolean
  /** Backend timeout per call, ms. Default `10000`. */
  timeout?: number
  /**
   * Largest login/register body read, in bytes; a larger one gets `413` JSON without being
   * buffered. Default `1048576` (1 MiB).
   */
  maxBodyBytes?: number
  /**
   * Largest backend answer read, in bytes; a larger one is backend trouble (502), never
   * buffered whole. Default `1048576` (1 MiB).
   */
  maxResponseBytes?: number
  /**
   * Login and register attempts limited per account identifier (`email`, `username`, ...)
   * plus client address, natively. A limit keyed on the client alone is one bucket for
   * everyone when the app sees no client address (a bare `next start`): one attacker locks
   * every user out. Over the limit: `429` with `Retry-After`. `true`: 5 per minute.
   * Default: off.
   */
  rateLimit?:
    | boolean
    | { maxRequests?: number; windowMs?: number; trustedProxies?: number; maxKeys?: number }
  /**
   * Maps the backend's login/register/refresh JSON. Default: reads
   * `data.token` (or `access_token`), `data.refresh_token`, `data.user`. Return null when the
   * response carries no token (the route then answers 502).
   */
  parseAuthResponse?: (
    json: unknown,
    info: { action: 'login' | 'register' | 'refresh'; status: number },
  ) => ParsedAuthResponse<TUser> | null | undefined
  /** Maps the backend's `me` JSON to the user. Default: `data.user ?? data ?? user`. */
  parseUserResponse?: (json: unknown) => TUser | null
  /**
   * Maps a failed login/register/me JSON body to what the browser gets: `{ message?, errors? }`
   * (`errors`: field -> messages, as `login()` / `register()` return them). Default
   * `normalizeBackendError` (Laravel, DRF, ASP.NET Core problem details, express-validator).
   */
  parseErrorResponse?: (
    json: unknown,
    info: { action: 'login' | 'register' | 'me'; status: number },
  ) => BackendErrorFields | null | undefined
  /** Called when the backend cannot be reached, times out or answers nonsense. */
  onError?: (error: unknown, info: { action: string; status: number }) => void
  /**
   * Re-issue the auth proxy's double-submit CSRF cookie when the session changes. Default `true`:
   * when `createAuthProxy` runs with `csrf` on (strategy with double-submit) for the same
   * `apiBaseUrl`, validate endpoint (`endpoints.me` here, `endpoints.validate` there) and
   * cookie names, the login, register, refresh and logout responses carry a new `__csrf` cookie
   * bound to the new session (the user, or anonymous after logout), minted natively with that
   * proxy's secret (also the random per-process one in development). An unsafe request sent right
   * after `login()` (no navigation in between) then passes the proxy's CSRF check. The new
   * token is judged through the proxy's validation cache (one coalesced `auth/me` call that
   * the next request then finds cached). No matching proxy: no CSRF cookie, as before.
   * `false`: never touch the CSRF cookie.
   */
  csrf?: boolean
}

export type AuthRouteHandler = (request: Request) => Promise<Response>
export type DynamicAuthRouteHandler = (
  request: Request,
  context: { params: Promise<{ action: string }> | { action: string } },
) => Promise<Response>

export interface AuthRoutes {
  /** For `app/api/auth/[action]/route.ts`: 404 for an unknown action, 405 for a wrong method. */
  handler: DynamicAuthRouteHandler
  GET: DynamicAuthRouteHandler
  POST: DynamicAuthRouteHandler
  login: AuthRouteHandler
  register: AuthRouteHandler
  logout: AuthRouteHandler
  me: AuthRouteHandler
  refresh: AuthRouteHandler
  /** The cookie names in use. */
  readonly cookieNames: { user: string; guest: string; refresh: string }
}

/** Creates the auth route handlers. Throws `code: 'ERR_CONFIG_INVALID'` on bad config. */
export declare function createAuthRoutes<TUser = Record<string, unknown>>(
  config?: AuthRoutesConfig<TUser>,
): AuthRoutes

export declare function defaultParseAuthResponse(json: unknown): ParsedAuthResponse | null
export declare function defaultParseUserResponse(json: unknown): Record<string, unknown> | null

/** A backend error body's message and field errors (`errors`: field -> messages). */
export interface BackendErrorFields {
  message?: string
  errors?: Record<string, string[]>
}

/**
 * Reads the message and field errors out of a backend error body: Laravel
 * `{ message, errors }`, DRF `{ field: [..] }` / `{ detail }` / `{ non_field_errors }` (nested
 * fields joined with dots), ASP.NET Core problem details `{ title, detail?, errors }` and
 * Identity `[{ code, description }]`, express-validator `{ errors: [{ path | param, msg }] }`,
 * `{ message }` / `{ error }`. Unknown shapes give `{}`.
 */
export declare function normalizeBackendError(json: unknown): BackendErrorFields
