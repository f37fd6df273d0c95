import type { NextRequest } from 'next/server'

/** One per-route limit; the first matching rule counts the request (else the default). */
export interface RateLimitRoute {
  /** Path pattern: exact, `*` one segment, `**` any depth. */
  match: string
  /** default: the top-level `windowMs` */
  windowMs?: number
  /** default: the top-level `maxRequests` */
  maxRequests?: number
}

/**
 * The `rateLimit` option of `createAuthProxy`: a GCRA limiter (crate `governor`), checked
 * natively in the same call as auth. Each request is counted once. Responses carry
 * `X-RateLimit-Limit/-Remaining/-Reset` (Unix seconds), IETF `RateLimit` / `RateLimit-Policy`
 * and, on 429, `Retry-After`.
 */
export interface RateLimitOptions {
  /** Default `true` when the `rateLimit` object is given. */
  enabled?: boolean
  /** default `60000` */
  windowMs?: number
  /** Requests per window per key (the burst; replenished evenly). default `100` */
  maxRequests?: number
  /** Paths never limited (exact, `*`, `**`). */
  skipRoutes?: string[]
  /** Tighter (or looser) limits for some paths, e.g. `/api/auth/login`. */
  routes?: RateLimitRoute[]
  /**
   * Reverse proxies in front of the app that append to `x-forwarded-for`. default `0`:
   * `x-forwarded-for` / `x-real-ip` are ignored (a client could pick its own key) and the
   * peer address is used when the runtime exposes one, else one shared key.
   */
  trustedProxies?: number
  /**
   * Headers that carry the client IP, in order (next-api-layer 0.5). Read only with
   * `trustedProxies` > 0 (a proxy you run sets them): the first single-value header present
   * (`cf-connecting-ip`, `true-client-ip`, `x-real-ip`) is the key; reaching
   * `x-forwarded-for` applies the `trustedProxies` rule to it. Without trusted proxies they
   * are ignored (with a warning): a client could pick its own key.
   * default `['cf-connecting-ip', 'true-client-ip', 'x-real-ip', 'x-forwarded-for']`
   */
  ipHeaders?: string[]
  /**
   * Do not count prefetches (`Next-Router-Prefetch: 1`, `Sec-Purpose` / `Purpose` /
   * `X-Purpose: prefetch`, `X-Moz: prefetch`) of GET/HEAD requests. default `true`
   */
  skipPrefetch?: boolean
  /** Cap on keys held per rule (memory bound; idle keys go first). default `100000` */
  maxKeys?: number
  /**
   * Custom key (e.g. a user id or API key); may be async. default: the client IP (IPv6 by
   * its /64 network).
   */
  keyFn?: (req: NextRequest) => string | null | undefined | Promise<string | null | undefined>
  /** Your own 429 response; rate-limit headers are added if missing. default: JSON 429. */
  onRateLimited?: (req: NextRequest) => Response | Promise<Response>
}
