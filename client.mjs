'use client'
// `next-api-layer-native/client` for import. Browser-safe: no native addon, no server code.
// Re-exports the CommonJS implementation so import and require share one React context.
export {
  AuthContext,
  AuthError,
  AuthProvider,
  CSRF_COOKIE,
  CSRF_HEADER,
  csrfFetch,
  csrfHeaders,
  defaultParseAuthResponse,
  getCsrfToken,
  RETURN_PARAMS,
  resolveReturnTo,
  returnToFrom,
  safeReturnTo,
  useAuth,
  withCsrf,
} from './js/client/index.js'
