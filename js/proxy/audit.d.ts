/**
 * Audit event types produced by the native engine:
 * - `auth:success`: a user token was judged valid by the backend (not on cache hits);
 * - `auth:fail`: a user token was rejected and could not be refreshed;
 * - `auth:refresh`: a token was refreshed; `auth:guest`: a guest token was created;
 * - `access:denied`: a protected route refused (redirect to login or 401/403 JSON), or a
 *   browser navigation to an API route with `blockBrowserApiAccess`;
 * - `csrf:fail`: an unsafe request refused by the CSRF check (`metadata.reason`);
 * - `rateLimit:exceeded`: a 429 (`metadata.limit`, `windowSeconds`, `policy`, `retryAfter`);
 * - `error`: the backend was in trouble (`metadata.reason` is the `ERR_BACKEND_*` code).
 */
export type AuditEventType =
  | 'auth:success'
  | 'auth:fail'
  | 'auth:refresh'
  | 'auth:guest'
  | 'access:denied'
  | 'csrf:fail'
  | 'rateLimit:exceeded'
  | 'error'

/** One audit event. Tokens, passwords and cookies never appear in it. */
export interface AuditEvent {
  type: AuditEventType
  /** ISO-8601 UTC timestamp, like `Date.prototype.toISOString()`. */
  timestamp: string
  /** The client IP (the rate limiter's resolution of x-forwarded-for / x-real-ip). */
  ip: string
  userId?: string
  /** Request path without its query string. */
  path: string
  method: string
  success: boolean
  /** Extra facts, e.g. `{ reason }` for `csrf:fail`. */
  metadata?: Record<string, unknown>
}

/** The `audit` option of `createAuthProxy`. */
export interface AuditOptions {
  /** Default `true` when the `audit` object is given. */
  enabled?: boolean
  /** Which event types to record. Default: all. */
  events?: AuditEventType[]
  /**
   * Receives each event, in order, shortly after the request that produced it. May be
   * async; it is not awaited. A throwing or slow logger never breaks or delays a request.
   */
  logger?: (event: AuditEvent) => void | Promise<void>
  /**
   * Cap of events waiting for the logger (default 10000). Beyond it events are dropped
   * and counted in `stats().audit.dropped`.
   */
  queueSize?: number
}

/** Wraps a logger into the batch callback the native auditor calls. Internal. */
export declare function batchLogger(
  logger: (event: AuditEvent) => unknown,
): (batchJson: string) => void

/** Attaches a logger to a native engine's audit events (several loggers may share one). Internal. */
export declare function attachAuditLogger(
  engine: { setAuditLogger(deliver: (batchJson: string) => void): void },
  logger: (event: AuditEvent) => unknown,
): void
