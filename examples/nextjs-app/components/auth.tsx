'use client'

// The app's one seam for browser-side auth state.
//
// Meant to be just:   export { AuthProvider, useAuth } from 'next-api-layer-native/client'
//
// That does not render yet under `next build` + `next start` when the package is listed in
// serverExternalPackages (which the native addon needs): Next then loads the client entry with
// Node's own require during server rendering, where it gets node_modules/react instead of the
// React copy Next renders with, and the first hook throws "Cannot read properties of null
// (reading 'useRef')". Until the package's client entry copes with that, this file provides the
// same small API (a subset of useAuth) on top of the package's auth routes and csrfFetch, so the
// rest of the app is written exactly as it will be.
//
// To check a fix of the package's client entry, build with NEXT_PUBLIC_AUTH_FROM_PACKAGE=1
// (examples/test.sh: E2E_AUTH_FROM_PACKAGE=1): then the package's own AuthProvider/useAuth are used.
import * as pkg from 'next-api-layer-native/client'
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react'

export type AuthUser = {
  id?: string | number
  name?: string
  email?: string
  role?: string
  type?: string
  [key: string]: unknown
}

export type LoginResult = {
  success: boolean
  message: string
  user: AuthUser | null
  errors: Record<string, string[]>
}

type AuthState = {
  user: AuthUser | null
  isAuthenticated: boolean
  isGuest: boolean
  login: (credentials: Record<string, unknown>) => Promise<LoginResult>
  logout: () => Promise<void>
}

const AuthContext = createContext<AuthState | null>(null)

function LocalAuthProvider({
  initialUser,
  logoutRedirect = '/login',
  children,
}: {
  initialUser: AuthUser | null
  logoutRedirect?: string
  children?: ReactNode
}) {
  const [user, setUser] = useState<AuthUser | null>(initialUser)

  const login = useCallback(async (credentials: Record<string, unknown>) => {
    let res: Response
    let json: {
      success?: boolean
      message?: string
      data?: { user?: AuthUser }
      errors?: Record<string, string[]>
    } | null
    try {
      res = await pkg.csrfFetch('/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(credentials),
      })
      json = await res.json().catch(() => null)
    } catch {
      return { success: false, message: 'Network error. Please try again.', user: null, errors: {} }
    }
    if (!res.ok || json?.success === false) {
      return {
        success: false,
        message: json?.message || `Login failed (${res.status})`,
        user: null,
        errors: json?.errors ?? {},
      }
    }
    const u = json?.data?.user ?? null
    setUser(u)
    return { success: true, message: json?.message ?? '', user: u, errors: {} }
  }, [])

  const logout = useCallback(async () => {
    await pkg.csrfFetch('/api/auth/logout', { method: 'POST' }).catch(() => undefined)
    setUser(null)
    window.location.assign(logoutRedirect)
  }, [logoutRedirect])

  const value = useMemo(() => {
    const isGuest = user?.type === 'guest'
    return { user, isGuest, isAuthenticated: !!user && !isGuest, login, logout }
  }, [user, login, logout])
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
}

function useLocalAuth(): AuthState {
  const ctx = useContext(AuthContext)
  if (!ctx) throw new Error('useAuth() must be used inside <AuthProvider>')
  return ctx
}

const fromPackage = process.env.NEXT_PUBLIC_AUTH_FROM_PACKAGE === '1'
export const AuthProvider = fromPackage
  ? (pkg.AuthProvider as unknown as typeof LocalAuthProvider)
  : LocalAuthProvider
export const useAuth = fromPackage ? (pkg.useAuth as unknown as () => AuthState) : useLocalAuth
