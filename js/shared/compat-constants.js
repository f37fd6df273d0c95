// The constants next-api-layer exports from its package root, with its values, so code that
// imported them (tests, custom proxies, cookie helpers) keeps working after the import line
// changes. They describe next-api-layer's defaults; where this package's defaults differ
// (for example `cookies.options` also accepts `domain`), the README's options table says so.

const freeze = (o) => Object.freeze(o)

/** Cookie options the auth tokens are written with by default. */
const DEFAULT_COOKIE_OPTIONS = freeze({
  httpOnly: true,
  secure: process.env.NODE_ENV === 'production',
  sameSite: 'lax',
  path: '/',
  maxAge: 7 * 24 * 60 * 60,
})

/** Backend endpoints, relative to `apiBaseUrl`. */
const DEFAULT_ENDPOINTS = freeze({
  validate: 'auth/me',
  refresh: 'auth/refresh',
  guest: 'auth/guest',
})

/** HTTP methods CSRF never checks. */
const CSRF_SAFE_METHODS = freeze(['GET', 'HEAD', 'OPTIONS'])

const DEFAULT_CSRF_CONFIG = freeze({
  strategy: 'both',
  cookieName: '__csrf',
  headerName: 'x-csrf-token',
  ignoreMethods: freeze([...CSRF_SAFE_METHODS]),
  trustSameSite: false,
})

const DEFAULT_RATE_LIMIT_CONFIG = freeze({
  windowMs: 60 * 1000,
  maxRequests: 100,
  skipRoutes: freeze([]),
  skipPrefetch: true,
})

const DEFAULT_AUDIT_CONFIG = freeze({
  events: freeze([
    'auth:success',
    'auth:fail',
    'auth:refresh',
    'access:denied',
    'csrf:fail',
    'rateLimit:exceeded',
    'error',
  ]),
})

const ERROR_MESSAGES = freeze({
  NO_TOKEN: 'Token not found.',
  INVALID_TOKEN: 'Token is invalid or expired.',
  CONNECTION_ERROR: 'Connection error occurred.',
  UNAUTHORIZED: 'You are not authorized for this action.',
})

/** The header names the layer uses (`x-auth-user`, `x-refreshed-token`, `x-locale`, ...). */
const HEADERS = freeze({
  AUTH_USER: 'x-auth-user',
  REFRESHED_TOKEN: 'x-refreshed-token',
  AUTHORIZATION: 'Authorization',
  CONTENT_TYPE: 'Content-Type',
  SKIP_AUTH: 'x-skip-auth',
  LOCALE: 'x-locale',
})

const TOKEN_TYPES = freeze({ GUEST: 'guest' })

/** Auth API routes the proxy leaves to themselves (`authApi.bypassPaths` default). */
const DEFAULT_AUTH_BYPASS_PATHS = freeze([
  '/api/auth/login',
  '/api/auth/logout',
  '/api/auth/me',
  '/api/auth/refresh',
  '/api/auth/register',
])

module.exports = {
  DEFAULT_COOKIE_OPTIONS,
  DEFAULT_ENDPOINTS,
  DEFAULT_CSRF_CONFIG,
  DEFAULT_RATE_LIMIT_CONFIG,
  DEFAULT_AUDIT_CONFIG,
  DEFAULT_AUTH_BYPASS_PATHS,
  ERROR_MESSAGES,
  HEADERS,
  TOKEN_TYPES,
  CSRF_SAFE_METHODS,
}
