// getCsrfToken() for server components, route handlers and server actions
// (`next-api-layer-native/server`). The auth proxy (csrf option) keeps a token bound to the
// current session in a readable cookie, and when it issues a new one it also makes it
// visible to `cookies()` in the same request, so a server-rendered form can embed it.
// Client code reads the cookie itself (`next-api-layer-native/client`: getCsrfToken,
// csrfHeaders, csrfFetch).

const DEFAULT_COOKIE = '__csrf'
const DEFAULT_HEADER = 'x-csrf-token'

/**
 * The current CSRF token (the cookie the auth proxy set), or null.
 * @param {{ cookieName?: string }} [options]
 * @returns {Promise<string | null>}
 */
async function getCsrfToken(options = {}) {
  const name = options.cookieName || DEFAULT_COOKIE
  const { cookies } = require('next/headers')
  const jar = await cookies()
  return jar.get(name)?.value || null
}

module.exports = { getCsrfToken, CSRF_COOKIE: DEFAULT_COOKIE, CSRF_HEADER: DEFAULT_HEADER }
