// The ASP.NET Core recipe of the README, as code. No .NET here: it is checked only against
// recorded response shapes (__test__/recorded-backends.test.js), not a running ASP.NET Core app.
//
// recipe:start
// API_BASE_URL=https://api.example.com/api
// A typical custom JWT setup: account/me answers { id, userName, email, roles },
// account/refresh { refreshToken } answers { accessToken, refreshToken, expiresIn } (rotated),
// errors are problem details { title, errors: { Field: [..] } }.

// proxy.ts: export default createAuthProxy({ ...authProxy, access: { ... } })
const authProxy = {
  apiBaseUrl: process.env.API_BASE_URL,
  endpoints: { validate: 'account/me', refresh: 'account/refresh' },
  refresh: { style: 'cookie', cookie: 'refreshToken', bodyField: 'refreshToken' },
  responseMappers: {
    parseAuthMe: { user: '$' },
    parseRefreshToken: {
      token: '/accessToken',
      refreshToken: '/refreshToken',
      expiresIn: '/expiresIn',
    },
  },
}

// app/api/auth/[action]/route.ts: export const { GET, POST } = createAuthRoutes(authRoutes)
// ({ accessToken, refreshToken } is what the default parser reads)
const authRoutes = {
  apiBaseUrl: process.env.API_BASE_URL,
  endpoints: {
    login: 'account/login',
    register: 'account/register',
    me: 'account/me',
    refresh: 'account/refresh',
    logout: 'account/logout', // revokes the { refreshToken } it is sent
  },
  refresh: { style: 'cookie', cookie: 'refreshToken', bodyField: 'refreshToken' },
  parseUserResponse: (json) => json, // account/me answers the bare user
}

// app/api/[...path]/route.ts: export const { GET, POST, PUT, PATCH, DELETE } = createProxyHandler(catchAll)
const catchAll = { apiBaseUrl: process.env.API_BASE_URL }
// recipe:end

module.exports = { authProxy, authRoutes, catchAll }
