// Reading a request the way next-api-layer's root helpers do: `getClientIp` (a prioritised
// header list) and `isPrefetchRequest` (speculative loads that must not count as visits).
// The auth proxy uses both; they are exported for apps that used them directly.

/** Headers `getClientIp` reads by default, from the edge's own header to the generic one. */
const DEFAULT_IP_HEADERS = Object.freeze([
  'cf-connecting-ip',
  'true-client-ip',
  'x-real-ip',
  'x-forwarded-for',
])

/**
 * The client IP from the first header of `headerPriority` that has one; for a
 * comma-separated chain (`x-forwarded-for`) the left-most entry. `null` when none has one.
 * None of these headers can be trusted unless a proxy you control overwrites them: the auth
 * proxy's rate limiter reads them only with `rateLimit.trustedProxies` (see the README).
 * @param {{ headers: Headers }} req
 * @param {readonly string[]} [headerPriority]
 * @returns {string | null}
 */
function getClientIp(req, headerPriority = DEFAULT_IP_HEADERS) {
  for (const name of headerPriority) {
    const value = req.headers.get(name)
    if (!value) continue
    const ip = value.split(',')[0].trim()
    if (ip) return ip
  }
  return null
}

/**
 * Whether `req` is a speculative prefetch rather than a navigation: `Next-Router-Prefetch: 1`,
 * `Sec-Purpose` containing `prefetch`, `Purpose` / `X-Purpose: prefetch`, `X-Moz: prefetch`.
 * @param {{ headers: Headers }} req
 */
function isPrefetchRequest(req) {
  const h = req.headers
  if (h.get('next-router-prefetch') === '1') return true
  const secPurpose = h.get('sec-purpose')
  if (secPurpose?.includes('prefetch')) return true
  return (
    h.get('purpose') === 'prefetch' ||
    h.get('x-purpose') === 'prefetch' ||
    h.get('x-moz') === 'prefetch'
  )
}

module.exports = { DEFAULT_IP_HEADERS, getClientIp, isPrefetchRequest }
