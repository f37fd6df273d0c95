// The Laravel (tymon/jwt-auth) recipe of the README, as code. No PHP here: it is checked only
// against recorded response shapes (__test__/recorded-backends.test.js), not a running Laravel.
//
// recipe:start
// API_BASE_URL=https://api.example.com/api
// tymon/jwt-auth: auth/me answers the user object itself, auth/refresh takes the (expired)
// token as Bearer and answers { access_token, token_type, expires_in }, auth/logout
// invalidates the Bearer token. There is no refresh token and no guest.

// proxy.ts: export default createAuthProxy({ ...authProxy, access: { ... } })
const authProxy = {
  apiBaseUrl: process.env.API_BASE_URL,
  endpoints: { validate: 'auth/me', refresh: 'auth/refresh' },
  refresh: { style: 'bearer' },
  responseMappers: {
    parseAuthMe: { user: '$' }, // no `type`: a user token; no `exp`: cache TTL only
    parseRefreshToken: { token: 'access_token', expiresIn: 'expires_in' },
  },
}

// app/api/auth/[action]/route.ts: export const { GET, POST } = createAuthRoutes(authRoutes)
// (login's { access_token } is what the default parser reads; me answers the bare user)
const authRoutes = {
  apiBaseUrl: process.env.API_BASE_URL,
  refresh: { style: 'bearer' },
  parseUserResponse: (json) => json,
}

// app/api/[...path]/route.ts: export const { GET, POST, PUT, PATCH, DELETE } = createProxyHandler(catchAll)
// (PHP-FPM behind some servers reads a chunked body as empty, like WSGI)
const catchAll = { apiBaseUrl: process.env.API_BASE_URL, bufferChunkedBodiesUpTo: 1024 * 1024 }
// recipe:end

module.exports = { authProxy, authRoutes, catchAll }
