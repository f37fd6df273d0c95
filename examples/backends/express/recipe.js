// The Express + jsonwebtoken recipe of the README ("Recipes: backends"), as code:
// __test__/backends-express.test.js runs every flow with exactly these objects against
// examples/backends/express, and checks that the README shows this text.
//
// recipe:start
// API_BASE_URL=https://api.example.com
// Login answers { success, data: { token, refresh_token, user } }, refresh takes
// { refresh_token } and rotates it, logout revokes it: the package's defaults.

// proxy.ts: export default createAuthProxy({ ...authProxy, access: { ... } })
const authProxy = {
  apiBaseUrl: process.env.API_BASE_URL,
  refresh: { style: 'cookie' },
  guestToken: { enabled: true },
}

// app/api/auth/[action]/route.ts: export const { GET, POST } = createAuthRoutes(authRoutes)
const authRoutes = {
  apiBaseUrl: process.env.API_BASE_URL,
  refresh: { style: 'cookie' },
}

// app/api/[...path]/route.ts: export const { GET, POST, PUT, PATCH, DELETE } = createProxyHandler(catchAll)
const catchAll = { apiBaseUrl: process.env.API_BASE_URL }
// recipe:end

module.exports = { authProxy, authRoutes, catchAll }
