// createAuthProxy: every option (with the security pipeline), AuthResult<MyUser>, and the
// wrong ones rejected. Also createAuthRoutes and the internal-headers helpers.

import type { NextRequest } from 'next/server'
import { NextResponse } from 'next/server'
import type {
  AuditEvent,
  AuthProxy,
  AuthProxyConfig,
  AuthProxyStats,
  AuthResult,
  CsrfOptions,
  RateLimitOptions,
  ValidateOptions,
} from 'next-api-layer-native'
import {
  createAuthProxy,
  createAuthRoutes,
  defaultParseAuthResponse,
  defaultParseUserResponse,
  INTERNAL_HEADERS,
} from 'next-api-layer-native'

interface MyUser {
  id: number
  name: string
  role: 'admin' | 'user'
}

const rateLimit: RateLimitOptions = {
  enabled: true,
  windowMs: 60_000,
  maxRequests: 100,
  skipRoutes: ['/health', '/_next/**'],
  routes: [{ match: '/api/auth/login', windowMs: 60_000, maxRequests: 5 }],
  trustedProxies: 1,
  maxKeys: 100_000,
  keyFn: (req) => req.headers.get('x-api-key'),
  onRateLimited: () => NextResponse.json({ success: false, message: 'Slow down' }, { status: 429 }),
}

const csrf: CsrfOptions = {
  enabled: true,
  strategy: 'both',
  cookieName: '__csrf',
  headerName: 'x-csrf-token',
  ignoreMethods: ['GET', 'HEAD', 'OPTIONS'],
  trustSameSite: false,
  secret: 'a-secret-of-at-least-thirty-two-characters',
}

const config: AuthProxyConfig = {
  apiBaseUrl: 'https://api.example.com/api',
  cookies: {
    user: 'userToken',
    guest: 'guestToken',
    options: {
      httpOnly: true,
      sameSite: 'lax',
      secure: true,
      path: '/',
      domain: 'example.com',
      maxAge: 604800,
    },
  },
  endpoints: { validate: 'auth/me', refresh: 'auth/refresh', guest: 'auth/guest' },
  guestToken: { enabled: true, credentials: { username: 'guest', password: 'x' }, ttl: 3600 },
  refresh: {
    enabled: true,
    style: 'cookie',
    thresholdSeconds: 60,
    graceMs: 10_000,
    cookie: 'refreshToken',
    bodyField: 'refresh_token',
  },
  access: {
    protectedRoutes: ['/dashboard/**'],
    authRoutes: ['/login', '/register'],
    publicRoutes: ['/', '/posts/*'],
    protectedByDefault: false,
    allowedTokenTypes: ['user'],
    loginPath: '/login',
    returnToParam: 'returnTo',
    afterLoginPath: '/',
    apiPrefix: '/api',
  },
  cache: { ttl: 2000, maxSize: 100, negativeTtl: 1000 },
  timeout: 5000,
  i18n: {
    enabled: true,
    locales: ['en', 'tr'],
    defaultLocale: 'en',
    middleware: (req: NextRequest) => NextResponse.rewrite(new URL('/en', req.url)),
  },
  responseMappers: {
    parseAuthMe: {
      user: 'data',
      type: 'data.type',
      exp: '/data/exp',
      success: { path: 'success', type: 'dot' },
    },
    parseRefreshToken: (body) => ({ token: body.access_token, expiresIn: body.expires_in }),
    parseGuestToken: { token: 'data.token' },
  },
  beforeAuth: (req) => (req.nextUrl.pathname === '/ping' ? new Response('pong') : undefined),
  afterAuth: (req, res, authResult) => {
    if (authResult.error) res.headers.set('x-backend', authResult.error)
    const source: string | null = authResult.tokenSource
    void req
    void source
    return res
  },
  excludedPaths: ['/_next/**', '/favicon.ico'],
  blockBrowserApiAccess: false,
  production: true,
  rateLimit,
  csrf,
  store: {
    url: 'rediss://:secret@redis.internal:6380/0',
    keyPrefix: 'shop:',
    onUnavailable: 'closed',
    timeoutMs: 100,
  },
  audit: {
    enabled: true,
    events: ['auth:fail', 'csrf:fail', 'rateLimit:exceeded'],
    logger: async (event: AuditEvent) => {
      const path: string = event.path
      void path
    },
    queueSize: 10_000,
  },
}

const authProxy: AuthProxy = createAuthProxy(config)
export const proxy = authProxy // Next.js 16 proxy.ts
export default authProxy // Next.js 15.5 middleware.ts
const stats: AuthProxyStats = authProxy.stats()
const hits: number = stats.cacheHits + stats.backendRefreshCalls + stats.auditDropped
void hits
const led: number | undefined = stats.store?.refreshLed
const up: boolean | undefined = stats.store?.up
void led
void up

// Declarative mappers as JSON paths; function mappers returning a token string.
createAuthProxy({
  apiBaseUrl: 'https://api.example.com',
  responseMappers: { parseAuthMe: (body) => body.user, parseRefreshToken: (body) => body.token },
})

// AuthResult is generic over the user type.
function greet(result: AuthResult<MyUser>): string {
  return result.isAuthenticated && result.user
    ? `${result.user.name} (${result.user.role})`
    : 'guest'
}
void greet

const headers: readonly string[] = INTERNAL_HEADERS
void headers

const routes = createAuthRoutes({ apiBaseUrl: 'https://api.example.com' })
export const { GET, POST } = routes
void defaultParseAuthResponse
void defaultParseUserResponse

// @ts-expect-error apiBaseUrl is required
createAuthProxy({ cookies: { user: 'u' } })
// @ts-expect-error refresh.style is 'bearer' or 'cookie'
createAuthProxy({ apiBaseUrl: 'x', refresh: { style: 'body' } })
// @ts-expect-error sameSite is lax, strict or none
createAuthProxy({ apiBaseUrl: 'x', cookies: { options: { sameSite: 'relaxed' } } })
// @ts-expect-error cache.ttl is milliseconds (a number)
createAuthProxy({ apiBaseUrl: 'x', cache: { ttl: '2s' } })
// @ts-expect-error csrf.strategy is one of three
createAuthProxy({ apiBaseUrl: 'x', csrf: { strategy: 'token' } })
// @ts-expect-error audit events are the documented types
createAuthProxy({ apiBaseUrl: 'x', audit: { events: ['login'] } })
// @ts-expect-error validate.mode is 'backend' or 'local'
createAuthProxy({ apiBaseUrl: 'x', validate: { mode: 'jwt' } })
// @ts-expect-error validate.algorithms never include 'none'
createAuthProxy({ apiBaseUrl: 'x', validate: { mode: 'local', secret: 's', algorithms: ['none'] } })
// @ts-expect-error rate-limit routes need a match
createAuthProxy({ apiBaseUrl: 'x', rateLimit: { routes: [{ maxRequests: 5 }] } })

// afterAuth sees the app's user type.
createAuthProxy<MyUser>({
  apiBaseUrl: 'https://api.example.com',
  afterAuth: (_req, res, result) => {
    const role: 'admin' | 'user' | undefined = result.user?.role
    void role
    return res
  },
})

// @ts-expect-error onUnavailable is 'local' | 'closed'
createAuthProxy({ apiBaseUrl: 'x', store: { url: 'redis://r', onUnavailable: 'open' } })
// @ts-expect-error store.url is required
createAuthProxy({ apiBaseUrl: 'x', store: { keyPrefix: 'a:' } })
// Local JWT verification: the original's spelling plus ours.
const local: ValidateOptions = {
  mode: 'local',
  secret: 'hs-secret',
  algorithms: ['HS256', 'RS256', 'ES256', 'EdDSA'],
  revalidateInterval: 60,
  jwksUrl: 'https://api.example.com/.well-known/jwks.json',
  publicKey: ['-----BEGIN PUBLIC KEY-----...', { kty: 'OKP', crv: 'Ed25519', x: '...' }],
  issuer: 'https://api.example.com',
  audience: ['web'],
  leewaySeconds: 30,
  requiredClaims: ['exp', 'sub'],
  userFromClaims: { user: 'profile', type: 'role', exp: { path: '/exp', type: 'pointer' } },
  jwksCacheMaxAge: 600,
  jwksCooldown: 30,
  jwksMaxKeys: 50,
}
createAuthProxy({ apiBaseUrl: 'https://api.example.com', validate: local })
// next-api-layer 0.4's verify hook, sync or async
createAuthProxy({
  apiBaseUrl: 'https://api.example.com',
  validate: {
    mode: 'local',
    verify: async (token: string) => ({
      isValid: token.length > 0,
      tokenType: 'user',
      exp: null,
      userData: {},
    }),
  },
})
const counters: AuthProxyStats = createAuthProxy({ apiBaseUrl: 'x' }).stats()
const verified: number = counters.localVerifications + counters.jwksFetches + counters.revalidations
void verified

// Hardening options (issue 12)
createAuthProxy({
  apiBaseUrl: 'https://api.example.com',
  cookies: { hostPrefix: true },
  guestToken: { enabled: true, rateLimit: { maxRequests: 10, windowMs: 60_000 } },
  backend: { maxBodyBytes: 512 * 1024, maxUserHeaderBytes: 8192 },
  tokenFormat: 'jwt',
})
createAuthProxy({ apiBaseUrl: 'x', guestToken: { enabled: true, rateLimit: false } })
createAuthProxy({ apiBaseUrl: 'x', userHeader: 'always' })
createAuthProxy({ apiBaseUrl: 'x', userHeader: 'auto' })
// @ts-expect-error userHeader is 'auto' | 'always'
createAuthProxy({ apiBaseUrl: 'x', userHeader: true })
// @ts-expect-error tokenFormat is 'any' | 'jwt'
createAuthProxy({ apiBaseUrl: 'x', tokenFormat: 'paseto' })
