// The package entry, `next-api-layer-native`: the server-side adapter surface. Each name
// comes from its module in js/ (types beside it in js/<module>.d.ts, re-exported by
// index.d.ts). The browser surface is `next-api-layer-native/client`.
// A new name here needs `node scripts/gen-stubs.js` (its browser/Edge stubs; a test checks).

const proxy = require('./js/proxy/proxy')
const proxyHandler = require('./js/handler/proxy-handler')
const apiClient = require('./js/api/api-client')
const errors = require('./js/api/errors')
const sanitize = require('./js/api/sanitize')
const authRoutes = require('./js/routes/auth-routes')
const internalHeaders = require('./js/shared/internal-headers')

module.exports = {
  // auth proxy (proxy.ts / middleware.ts)
  createAuthProxy: proxy.createAuthProxy,
  INTERNAL_HEADERS: internalHeaders.INTERNAL_HEADERS,
  // catch-all API proxy
  createProxyHandler: proxyHandler.createProxyHandler,
  PROXY_METHODS: proxyHandler.PROXY_METHODS,
  // login / register / logout route handlers
  createAuthRoutes: authRoutes.createAuthRoutes,
  defaultParseAuthResponse: authRoutes.defaultParseAuthResponse,
  defaultParseUserResponse: authRoutes.defaultParseUserResponse,
  normalizeBackendError: authRoutes.normalizeBackendError,
  // server-side API client and its errors
  createApiClient: apiClient.createApiClient,
  createRedactor: apiClient.createRedactor,
  ApiError: errors.ApiError,
  HttpError: errors.HttpError,
  TimeoutError: errors.TimeoutError,
  NetworkError: errors.NetworkError,
  AuthError: errors.AuthError,
  ValidationError: errors.ValidationError,
  RateLimitError: errors.RateLimitError,
  isApiError: errors.isApiError,
  isHttpError: errors.isHttpError,
  isTimeoutError: errors.isTimeoutError,
  isNetworkError: errors.isNetworkError,
  isAuthError: errors.isAuthError,
  isValidationError: errors.isValidationError,
  isRateLimitError: errors.isRateLimitError,
  isRetryableStatus: errors.isRetryableStatus,
  isRetryableError: errors.isRetryableError,
  RETRYABLE_STATUS: errors.RETRYABLE_STATUS,
  // XSS sanitization
  createSanitizer: sanitize.createSanitizer,
  sanitize: sanitize.sanitize,
}
