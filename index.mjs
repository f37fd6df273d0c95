// `next-api-layer-native` for import. Re-exports the CommonJS implementation (one module instance, so
// import and require share the engine cache). Node cannot see the names of a CommonJS object
// literal built from member expressions, hence the explicit list; __test__/exports.test.js fails
// when it drifts from index.js or from index.d.ts.
import api from './index.js'

export const {
  createAuthProxy,
  INTERNAL_HEADERS,
  createProxyHandler,
  PROXY_METHODS,
  createAuthRoutes,
  defaultParseAuthResponse,
  defaultParseUserResponse,
  normalizeBackendError,
  createApiClient,
  createRedactor,
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
  createSanitizer,
  sanitize,
  getClientIp,
  isPrefetchRequest,
  DEFAULT_IP_HEADERS,
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
} = api

export default api
