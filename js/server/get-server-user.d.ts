import type { ValidateOptions } from '../proxy/proxy'

export interface GetServerUserOptions<TUser = Record<string, unknown>> {
  /** default `'userToken'` */
  userCookie?: string
  /** default `'guestToken'` */
  guestCookie?: string
  /** default `process.env.API_BASE_URL` (or `NEXT_PUBLIC_API_URL`) */
  apiBaseUrl?: string
  /** default `'auth/me'` */
  validateEndpoint?: string
  /** Ignore `x-auth-user` and always validate the token. default `false` */
  skipHeader?: boolean
  /** default `user.type === 'guest'` */
  isGuestFn?: (user: TUser) => boolean
  /**
   * Read headers and cookies from this request (a route handler's `Request`/`NextRequest`)
   * instead of `next/headers`.
   */
  request?: Request
  /**
   * Maps the validate endpoint's JSON to the user. Synchronous and pure (it runs inside the
   * native engine's cache; functions with the same source share one engine).
   */
  // biome-ignore lint/suspicious/noExplicitAny: the backend's JSON, of any shape
  parseResponse?: (body: any) => TUser | null | undefined
  /**
   * Local JWT verification as the proxy's `validate` option. Not needed when the auth proxy
   * (same backend and cookies) already runs in this process: its engine is used.
   */
  validate?: ValidateOptions
}

export interface ServerUserResult<TUser = Record<string, unknown>> {
  user: TUser | null
  /** A user (not guest) session. */
  isAuthenticated: boolean
  isGuest: boolean
  token: string | null
}

/**
 * The current user: from the proxy's `x-auth-user` header (fast path) or by validating the
 * request's token through the same native engine and cache as the proxy.
 */
export declare function getServerUser<TUser = Record<string, unknown>>(
  options?: GetServerUserOptions<TUser>,
): Promise<ServerUserResult<TUser>>
/** `x-refreshed-token`, then the user cookie, then the guest cookie. */
export declare function getServerToken(options?: GetServerUserOptions): Promise<string | null>
/** True for a valid user (not guest) session. */
export declare function isAuthenticatedServer(options?: GetServerUserOptions): Promise<boolean>

export { getCsrfToken } from './csrf'
