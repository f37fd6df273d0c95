// createAuthRoutes: every option, the handlers, a typed user from parseAuthResponse.

import type {
  AuthRoutes,
  AuthRoutesConfig,
  BackendErrorFields,
  ParsedAuthResponse,
} from 'next-api-layer-native'
import {
  createAuthRoutes,
  defaultParseAuthResponse,
  normalizeBackendError,
} from 'next-api-layer-native'

interface MyUser {
  id: number
  email: string
}

const config: AuthRoutesConfig<MyUser> = {
  apiBaseUrl: 'https://api.example.com',
  endpoints: { login: 'auth/login', register: 'auth/register', logout: 'auth/logout' },
  cookies: {
    user: 'userToken',
    guest: 'guestToken',
    options: {
      httpOnly: true,
      sameSite: 'lax',
      secure: true,
      path: '/',
      domain: 'example.com',
      maxAge: 3600,
    },
  },
  refresh: { style: 'auto', cookie: 'refreshToken', maxAge: 604800, bodyField: 'refresh_token' },
  production: true,
  timeout: 10_000,
  parseAuthResponse: (json, info): ParsedAuthResponse<MyUser> | null => {
    const action: 'login' | 'register' | 'refresh' = info.action
    void action
    const d = (json as { data: { access_token: string; user: MyUser } }).data
    return { token: d.access_token, user: d.user }
  },
  parseUserResponse: (json) => (json as { data: MyUser }).data,
  logout: { sendAccessToken: true, sendRefreshToken: true, bodyField: 'refresh' },
  parseErrorResponse: (json, info) => {
    const action: 'login' | 'register' | 'me' = info.action
    void action
    const fields: BackendErrorFields = normalizeBackendError(json)
    return { message: fields.message ?? 'Failed.', errors: fields.errors }
  },
  onError: (error, info) => {
    const status: number = info.status
    void error
    void status
  },
}

const routes: AuthRoutes = createAuthRoutes(config)
export const { GET, POST } = routes
export const login: (request: Request) => Promise<Response> = routes.login
const names: { user: string; guest: string; refresh: string } = routes.cookieNames
void names
void defaultParseAuthResponse({})
createAuthRoutes()

async function dispatch(): Promise<Response> {
  return POST(new Request('http://localhost/api/auth/login', { method: 'POST' }), {
    params: Promise.resolve({ action: 'login' }),
  })
}
void dispatch

// @ts-expect-error refresh.style is 'auto' | 'bearer' | 'cookie'
createAuthRoutes({ refresh: { style: 'sometimes' } })
// @ts-expect-error sameSite is 'lax' | 'strict' | 'none'
createAuthRoutes({ cookies: { options: { sameSite: 'relaxed' } } })
createAuthRoutes({ rateLimit: true, maxResponseBytes: 65536, cookies: { hostPrefix: true } })
createAuthRoutes({ rateLimit: { maxRequests: 5, windowMs: 60_000, trustedProxies: 1 } })
// @ts-expect-error rateLimit.maxRequests is a number
createAuthRoutes({ rateLimit: { maxRequests: 'five' } })
