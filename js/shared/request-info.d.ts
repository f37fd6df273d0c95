/** A request with readable headers (`NextRequest`, `Request`). */
export interface RequestWithHeaders {
  headers: { get(name: string): string | null }
}

/** `['cf-connecting-ip', 'true-client-ip', 'x-real-ip', 'x-forwarded-for']` */
export declare const DEFAULT_IP_HEADERS: readonly string[]

/**
 * The client IP from the first header of `headerPriority` that has one (left-most entry of a
 * comma-separated chain), else `null`. These headers are only as trustworthy as the proxy
 * that sets them.
 * @param headerPriority default `DEFAULT_IP_HEADERS`
 */
export declare function getClientIp(
  req: RequestWithHeaders,
  headerPriority?: readonly string[],
): string | null

/**
 * `true` for a speculative prefetch: `Next-Router-Prefetch: 1`, `Sec-Purpose` containing
 * `prefetch`, `Purpose` / `X-Purpose: prefetch`, `X-Moz: prefetch`.
 */
export declare function isPrefetchRequest(req: RequestWithHeaders): boolean
