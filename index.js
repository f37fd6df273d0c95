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
const constants = require('./js/shared/compat-constants')
const requestInfo = require('./js/shared/request-info')

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
  // next-api-layer's request helpers and constants (same names, same values)
  getClientIp: requestInfo.getClientIp,
  isPrefetchRequest: requestInfo.isPrefetchRequest,
  DEFAULT_IP_HEADERS: requestInfo.DEFAULT_IP_HEADERS,
  DEFAULT_COOKIE_OPTIONS: constants.DEFAULT_COOKIE_OPTIONS,
  DEFAULT_ENDPOINTS: constants.DEFAULT_ENDPOINTS,
  DEFAULT_CSRF_CONFIG: constants.DEFAULT_CSRF_CONFIG,
  DEFAULT_RATE_LIMIT_CONFIG: constants.DEFAULT_RATE_LIMIT_CONFIG,
  DEFAULT_AUDIT_CONFIG: constants.DEFAULT_AUDIT_CONFIG,
  DEFAULT_AUTH_BYPASS_PATHS: constants.DEFAULT_AUTH_BYPASS_PATHS,
  ERROR_MESSAGES: constants.ERROR_MESSAGES,
  HEADERS: constants.HEADERS,
  TOKEN_TYPES: constants.TOKEN_TYPES,
  CSRF_SAFE_METHODS: constants.CSRF_SAFE_METHODS,
}
