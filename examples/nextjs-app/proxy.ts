import { createAuthProxy } from 'next-api-layer-native'
import { API_BASE_URL, DEFAULT_LOCALE, GUEST_COOKIE, LOCALES, USER_COOKIE } from '@/lib/config'

// One native engine for the life of the server: validates tokens against the backend's
// auth/me (cached), refreshes expired ones (coalesced), hands out guest tokens, protects routes,
// checks CSRF on state-changing calls and tells the pages who the user is (getServerUser).
export const proxy = createAuthProxy({
  apiBaseUrl: API_BASE_URL,
  cookies: { user: USER_COOKIE, guest: GUEST_COOKIE },
  guestToken: {
    enabled: true,
    credentials: {
      username: process.env.GUEST_USERNAME ?? 'guest',
      password: process.env.GUEST_PASSWORD ?? 'guest-secret',
    },
  },
  access: {
    protectedRoutes: ['/dashboard/**', '/profile/**'],
    authRoutes: ['/login', '/register'],
    afterLoginPath: '/dashboard',
  },
  i18n: { enabled: true, locales: [...LOCALES], defaultLocale: DEFAULT_LOCALE },
  csrf: { enabled: true, ...(process.env.CSRF_SECRET ? { secret: process.env.CSRF_SECRET } : {}) },
  // More than one instance of the app: refreshes, rate limits and logouts shared on Redis.
  ...(process.env.REDIS_URL ? { store: { url: process.env.REDIS_URL } } : {}),
})

export const config = {
  // Everything but Next's static files: pages, the catch-all /api proxy and the auth routes.
  // Except /api/upload: Next.js tees the body of every request that runs through proxy.ts and
  // keeps a copy in memory until the route reads it, cut at `proxyClientMaxBodySize` (10 MB by
  // default; the route then silently gets only the first 10 MB). Large uploads must bypass the
  // proxy to stream (the catch-all still adds the token from the cookies).
  matcher: ['/((?!_next/static|_next/image|favicon.ico|api/upload).*)'],
}
