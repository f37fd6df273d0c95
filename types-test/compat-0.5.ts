// next-api-layer 0.5's options, types and root exports, as a migrating app writes them.

import type { NextRequest } from 'next/server'
import type {
  AuthProxyConfig,
  RefreshFailContext,
  RefreshFailReason,
  RefreshResultStore,
  StoredRefreshResult,
  TokenInfo,
} from 'next-api-layer-native'
import {
  CSRF_SAFE_METHODS,
  createAuthProxy,
  DEFAULT_AUDIT_CONFIG,
  DEFAULT_AUTH_BYPASS_PATHS,
  DEFAULT_COOKIE_OPTIONS,
  DEFAULT_CSRF_CONFIG,
  DEFAULT_ENDPOINTS,
  DEFAULT_IP_HEADERS,
  DEFAULT_RATE_LIMIT_CONFIG,
  ERROR_MESSAGES,
  getClientIp,
  HEADERS,
  isPrefetchRequest,
  TOKEN_TYPES,
} from 'next-api-layer-native'

const map = new Map<string, StoredRefreshResult>()
const store: RefreshResultStore = {
  get: async (key) => map.get(key) ?? null,
  set: (key, value, ttlMs) => {
    map.set(key, value)
    setTimeout(() => map.delete(key), ttlMs)
  },
}

const classify = ({ status, body }: RefreshFailContext): RefreshFailReason | undefined =>
  status === 409 || (body as { code?: string } | null)?.code === 'stolen' ? 'reuse' : undefined

const config: AuthProxyConfig = {
  apiBaseUrl: 'https://api.example.com',
  cookies: {
    user: 'at',
    guest: 'gt',
    refresh: 'rt',
    refreshOptions: { path: '/api/auth/refresh', maxAge: 1_209_600 },
  },
  refresh: {
    singleFlight: true,
    proactive: true,
    proactiveWindow: 120,
    reuseStatusCodes: [409],
    reuseCodes: ['token_reuse'],
    classifyFail: classify,
    onRefreshFail: async (reason: RefreshFailReason, req: NextRequest) => {
      console.info(reason, req.nextUrl.pathname)
    },
    store,
    storeTtlMs: 60_000,
  },
  access: { protectedRoutes: ['/dashboard/**'], guestFallbackOnUserRefreshFail: false },
  authApi: { bypassPaths: [...DEFAULT_AUTH_BYPASS_PATHS, '/api/session'] },
  rateLimit: { skipPrefetch: true, ipHeaders: [...DEFAULT_IP_HEADERS], trustedProxies: 1 },
  onError: (error: Error) => console.error(error.message),
  responseMappers: {
    parseAuthMe: (res): TokenInfo | null => ({
      isValid: Boolean(res.success),
      tokenType: res.data?.token_type ?? 'user',
      exp: res.data?.expires_at ?? null,
      userData: res.data?.user ?? null,
    }),
    parseRefreshToken: (res) => res.data?.accessToken ?? null,
    parseGuestToken: (res) => res.data?.accessToken ?? null,
    parseNewRefreshToken: (res) => res.data?.refreshToken ?? null,
  },
  afterAuth: (_req, res, auth) => {
    if (auth.bypassed === 'auth-api' || auth.refreshFail === 'reuse') res.headers.set('x-seen', '1')
    res.cookies.set('theme', 'dark')
    return res
  },
}
createAuthProxy(config)

// @ts-expect-error: not a reason
const bad: RefreshFailReason = 'stolen'
void bad
type Bypassed = NonNullable<Parameters<NonNullable<AuthProxyConfig['afterAuth']>>[2]['bypassed']>
// @ts-expect-error: bypassed is 'excluded' | 'auth-api'
const wrongBypass: Bypassed = 'other'
void wrongBypass

declare const req: NextRequest
const ip: string | null = getClientIp(req, ['cf-connecting-ip'])
const prefetch: boolean = isPrefetchRequest(req)
void ip
void prefetch
const secure: boolean = DEFAULT_COOKIE_OPTIONS.secure
const validate: 'auth/me' = DEFAULT_ENDPOINTS.validate
const header: 'x-auth-user' = HEADERS.AUTH_USER
const guest: 'guest' = TOKEN_TYPES.GUEST
void [
  secure,
  validate,
  header,
  guest,
  CSRF_SAFE_METHODS,
  DEFAULT_CSRF_CONFIG,
  DEFAULT_RATE_LIMIT_CONFIG,
]
void [DEFAULT_AUDIT_CONFIG, ERROR_MESSAGES]
