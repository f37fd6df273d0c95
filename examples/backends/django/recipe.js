// The Django REST framework + simplejwt recipe of the README ("Recipes: backends"), as code:
// __test__/backends-django.test.js runs every flow with exactly these objects against
// examples/backends/django, and checks that the README shows this text.
//
// recipe:start
// API_BASE_URL=https://api.example.com/api  (Django's URLs end in '/': so do these endpoints)

// proxy.ts: export default createAuthProxy({ ...authProxy, access: { ... } })
const authProxy = {
  apiBaseUrl: process.env.API_BASE_URL,
  endpoints: { validate: 'auth/me/', refresh: 'token/refresh/', guest: 'auth/guest/' },
  // simplejwt refreshes with { refresh } and rotates it (ROTATE_REFRESH_TOKENS)
  refresh: { style: 'cookie', cookie: 'refreshToken', bodyField: 'refresh' },
  guestToken: { enabled: true },
  responseMappers: {
    // GET auth/me/ -> { user: {...}, type: 'user' | 'guest', exp }: a guest stays a guest
    parseAuthMe: { user: 'user', type: 'type', exp: 'exp' },
    parseRefreshToken: { token: 'access', refreshToken: 'refresh' },
    parseGuestToken: { token: 'token' },
  },
}

// app/api/auth/[action]/route.ts: export const { GET, POST } = createAuthRoutes(authRoutes)
const authRoutes = {
  apiBaseUrl: process.env.API_BASE_URL,
  endpoints: {
    login: 'token/',
    register: 'auth/register/',
    me: 'auth/me/',
    refresh: 'token/refresh/',
    // simplejwt's TokenBlacklistView (BLACKLIST_AFTER_ROTATION): logout sends { refresh }
    logout: 'token/blacklist/',
  },
  refresh: { style: 'cookie', cookie: 'refreshToken', bodyField: 'refresh' },
  parseAuthResponse: (json) =>
    typeof json?.access === 'string' ? { token: json.access, refreshToken: json.refresh } : null,
}

// app/api/[...path]/route.ts: export const { GET, POST, PUT, PATCH, DELETE } = createProxyHandler(catchAll)
const catchAll = {
  apiBaseUrl: process.env.API_BASE_URL,
  trailingSlash: true, // /api/posts/3 -> posts/3/ (no redirect that would turn a POST into a GET)
  bufferChunkedBodiesUpTo: 1024 * 1024, // gunicorn reads a chunked body as empty
}
// recipe:end

module.exports = { authProxy, authRoutes, catchAll }
