// The request headers this layer uses to talk to itself. Every incoming copy is removed
// before anything downstream can read it (a client can never forge a user), on every path
// of the auth proxy: excluded paths, public routes, no token, beforeAuth/afterAuth results.
// This is the single list; other modules import it.

/** Set by the auth proxy for downstream code; never trusted from a client. */
const INTERNAL_HEADERS = Object.freeze([
  'x-auth-user',
  'x-auth-user-sig',
  'x-refreshed-token',
  'x-refreshed-token-sig',
  'x-locale',
  'x-auth-token-source',
])

const INTERNAL_SET = new Set(INTERNAL_HEADERS)

/** True when `name` (any case) is an internal header. */
function isInternalHeader(name) {
  return INTERNAL_SET.has(String(name).toLowerCase())
}

/**
 * A copy of `headers` without any internal header.
 * @param {Headers | Iterable<[string, string]> | Record<string, string>} headers
 * @returns {Headers}
 */
function stripInternalHeaders(headers) {
  const out = new Headers(headers)
  for (const name of INTERNAL_HEADERS) out.delete(name)
  return out
}

module.exports = { INTERNAL_HEADERS, isInternalHeader, stripInternalHeaders }
