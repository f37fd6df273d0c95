// next-api-layer's root constants, with its values.

export declare const DEFAULT_COOKIE_OPTIONS: Readonly<{
  httpOnly: true
  /** `NODE_ENV === 'production'` when the module loads */
  secure: boolean
  sameSite: 'lax'
  path: '/'
  /** 7 days, seconds */
  maxAge: number
}>
export declare const DEFAULT_ENDPOINTS: Readonly<{
  validate: 'auth/me'
  refresh: 'auth/refresh'
  guest: 'auth/guest'
}>
export declare const CSRF_SAFE_METHODS: readonly ['GET', 'HEAD', 'OPTIONS']
export declare const DEFAULT_CSRF_CONFIG: Readonly<{
  strategy: 'both'
  cookieName: '__csrf'
  headerName: 'x-csrf-token'
  ignoreMethods: readonly string[]
  trustSameSite: false
}>
export declare const DEFAULT_RATE_LIMIT_CONFIG: Readonly<{
  windowMs: number
  maxRequests: number
  skipRoutes: readonly string[]
  skipPrefetch: true
}>
export declare const DEFAULT_AUDIT_CONFIG: Readonly<{ events: readonly string[] }>
/** `authApi.bypassPaths` default. */
export declare const DEFAULT_AUTH_BYPASS_PATHS: readonly string[]
export declare const ERROR_MESSAGES: Readonly<{
  NO_TOKEN: 'Token not found.'
  INVALID_TOKEN: 'Token is invalid or expired.'
  CONNECTION_ERROR: 'Connection error occurred.'
  UNAUTHORIZED: 'You are not authorized for this action.'
}>
export declare const HEADERS: Readonly<{
  AUTH_USER: 'x-auth-user'
  REFRESHED_TOKEN: 'x-refreshed-token'
  AUTHORIZATION: 'Authorization'
  CONTENT_TYPE: 'Content-Type'
  SKIP_AUTH: 'x-skip-auth'
  LOCALE: 'x-locale'
}>
export declare const TOKEN_TYPES: Readonly<{ GUEST: 'guest' }>
