// Types of the package entry, `next-api-layer-native`: the server-side adapter surface.
// Each module's types live beside it in js/<module>.d.ts (with doc comments giving defaults);
// this file only re-exports them. The browser surface is `next-api-layer-native/client`.

export * from './js/api-client'
export type { AuditEvent, AuditEventType, AuditOptions } from './js/audit'
export * from './js/auth-routes'
export type { CsrfOptions } from './js/csrf'
export * from './js/errors'
export { INTERNAL_HEADERS } from './js/internal-headers'
export * from './js/proxy'
export * from './js/proxy-handler'
export type { RateLimitOptions, RateLimitRoute } from './js/ratelimit'
export * from './js/sanitize'
