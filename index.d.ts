// Types of the package entry, `next-api-layer-native`: the server-side adapter surface.
// Each module's types live beside it in js/<module>.d.ts (with doc comments giving defaults);
// this file only re-exports them. The browser surface is `next-api-layer-native/client`.

export * from './js/api/api-client'
export * from './js/api/errors'
export * from './js/api/sanitize'
export * from './js/handler/proxy-handler'
export type { AuditEvent, AuditEventType, AuditOptions } from './js/proxy/audit'
export type { CsrfOptions } from './js/proxy/csrf'
export * from './js/proxy/proxy'
export type { RateLimitOptions, RateLimitRoute } from './js/proxy/ratelimit'
export * from './js/routes/auth-routes'
export * from './js/shared/compat-constants'
export { INTERNAL_HEADERS } from './js/shared/internal-headers'
export * from './js/shared/request-info'
