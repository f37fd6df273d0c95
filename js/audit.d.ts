/** Audit event types produced by the native engine. */
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
