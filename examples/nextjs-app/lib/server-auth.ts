import { getServerUser } from 'next-api-layer-native/server'
import { API_BASE_URL, GUEST_COOKIE, USER_COOKIE } from './config'

export type DemoUser = {
  id: number | string
  name?: string
  email?: string
  role?: string
  type?: 'user' | 'guest'
  exp?: number
}

export type Session = { user: DemoUser | null; isAuthenticated: boolean; isGuest: boolean }

// The user as the proxy judged it (its signed x-auth-user, else the same native engine's cache).
// The token never leaves the server: only user facts are returned.
export async function currentSession(): Promise<Session> {
  const r = await getServerUser({
    apiBaseUrl: API_BASE_URL,
    userCookie: USER_COOKIE,
    guestCookie: GUEST_COOKIE,
  })
  return {
    user: (r.user as DemoUser | null) ?? null,
    isAuthenticated: Boolean(r.isAuthenticated),
    isGuest: Boolean(r.isGuest),
  }
}
