import { createAuthRoutes } from 'next-api-layer-native'
import { API_BASE_URL, GUEST_COOKIE, USER_COOKIE } from '@/lib/config'

// /api/auth/login | register | logout | me | refresh: what AuthProvider talks to. Tokens go
// into httpOnly cookies; the browser only ever gets the user.
const auth = createAuthRoutes({
  apiBaseUrl: API_BASE_URL,
  cookies: { user: USER_COOKIE, guest: GUEST_COOKIE },
})

type Context = { params: Promise<{ action: string }> }
export const GET = (request: Request, context: Context) => auth.GET(request, context)
export const POST = (request: Request, context: Context) => auth.POST(request, context)
