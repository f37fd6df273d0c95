// next-api-layer-native/client: AuthProvider props, useAuth with a generic user type.

import type { AuthProviderProps, AuthState, LoginResult } from 'next-api-layer-native/client'
import {
  AuthProvider,
  csrfFetch,
  getCsrfToken,
  RETURN_PARAMS,
  resolveReturnTo,
  returnToFrom,
  safeReturnTo,
  useAuth,
  withCsrf,
} from 'next-api-layer-native/client'

interface MyUser {
  id: number
  name: string
  email: string
  role: 'admin' | 'user'
  type?: 'user' | 'guest'
}

const props: AuthProviderProps<MyUser> = {
  userEndpoint: '/api/auth/me',
  loginEndpoint: '/api/auth/login',
  logoutEndpoint: '/api/auth/logout',
  logoutRedirect: '/login',
  swrConfig: { revalidateOnFocus: false },
  onLogin: (user) => {
    const name: string | undefined = user?.name
    void name
  },
  onLogout: () => {},
  onError: (error) => void error,
  parseAuthResponse: (json) => (json as { data: { user: MyUser } }).data.user,
  initialUser: null,
}

export function Layout({ children }: { children: React.ReactNode }) {
  return (
    <AuthProvider<MyUser>
      {...props}
      initialUser={{ id: 1, name: 'A', email: 'a@x', role: 'admin' }}
    >
      {children}
    </AuthProvider>
  )
}

export function Profile() {
  const auth: AuthState<MyUser> = useAuth<MyUser>()
  const { user, isLoading, isAuthenticated, isGuest, error, login, logout, refresh } = auth
  async function submit() {
    const result: LoginResult<MyUser> = await login({ email: 'a@x', password: 'p' })
    if (!result.success) {
      const emailErrors: string[] | undefined = result.errors.email
      void emailErrors
    }
    const again: MyUser | null = await refresh()
    void again
    await logout()
  }
  void submit
  void error
  return <p>{isLoading ? '…' : isAuthenticated ? user?.email : isGuest ? 'guest' : 'signed out'}</p>
}

const token: string | null = getCsrfToken()
const init: RequestInit = withCsrf({ method: 'POST' })
void csrfFetch('/api/profile', { method: 'PUT', body: '{}' })
void token
void init

// @ts-expect-error logoutEndpoint must be a string
export const bad = <AuthProvider logoutEndpoint={1} />

// return-to helpers: the proxy's rule, in the browser
const back: string = safeReturnTo('/dashboard', { fallback: '/' })
const resolved: string | null = resolveReturnTo('/..//evil.com', 'https://app.example.com')
const fromParams: string = returnToFrom(new URLSearchParams('returnTo=/x'), { fallback: '/home' })
const names: readonly string[] = RETURN_PARAMS
void back
void resolved
void fromParams
void names
