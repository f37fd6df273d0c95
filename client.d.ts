/**
 * `next-api-layer-native/client`: the browser side ('use client'). Plain JS, never loads the
 * native addon or any server module, so it is safe in client components.
 *
 * ```tsx
 * // app/providers.tsx: the app's own client boundary (the package is in serverExternalPackages,
 * // so Next.js does not see the 'use client' inside it when a server component imports it)
 * 'use client'
 * export { AuthProvider } from 'next-api-layer-native/client'
 *
 * // app/layout.tsx (a server component)
 * import { getServerUser } from 'next-api-layer-native/server'
 * import { AuthProvider } from './providers'
 *
 * export default async function RootLayout({ children }: { children: React.ReactNode }) {
 *   const { user } = await getServerUser()      // first paint without a client fetch
 *   return (
 *     <html><body>
 *       <AuthProvider initialUser={user ?? null}>{children}</AuthProvider>
 *     </body></html>
 *   )
 * }
 *
 * // a client component
 * 'use client'
 * import { useAuth } from 'next-api-layer-native/client'
 * const { user, isAuthenticated, login, logout } = useAuth<MyUser>()
 * const result = await login({ email, password })
 * if (!result.success) setErrors(result.errors)   // { email: ['These credentials do not match our records.'] }
 * ```
 *
 * By default it talks to the routes of `createAuthRoutes` mounted at
 * `app/api/auth/[action]/route.ts`.
 *
 * Export conditions: `browser` (client bundles: ESM over `react` and swr) and `node` (Next.js's
 * server, which requires the package since it is external: there the provider is built over the
 * React Next.js server-renders with, without swr, rendering `initialUser` or "loading", which is
 * what the browser's first render hydrates). One implementation behind both.
 */
import type { Context, ReactNode } from 'react'
import type { KeyedMutator, SWRConfiguration } from 'swr'

/** The minimum a user object has; your own type extends it. Guests have `type: 'guest'`. */
export interface AuthUser {
  id?: string | number
  type?: 'user' | 'guest' | string
  [key: string]: unknown
}

export interface AuthProviderProps<TUser = AuthUser> {
  children?: ReactNode
  /** GET → the current user. Default `'/api/auth/me'` (401 = signed out, not an error). */
  userEndpoint?: string
  /** POST credentials (JSON). Default `'/api/auth/login'`. */
  loginEndpoint?: string
  /** POST. Default `'/api/auth/logout'`. */
  logoutEndpoint?: string
  /** POST registration data (JSON). Default `'/api/auth/register'`. */
  registerEndpoint?: string
  /**
   * Where the browser goes after logout (a full navigation, so no stale page state survives).
   * Default `'/login'`; `null`/`false`/`''` to stay on the page.
   */
  logoutRedirect?: string | null | false
  /**
   * SWR options for the user query. Defaults: `revalidateOnFocus: true`,
   * `shouldRetryOnError: false`, `dedupingInterval: 2000`.
   */
  swrConfig?: SWRConfiguration<TUser | null>
  /** After a successful `login()`. */
  onLogin?: (user: TUser | null) => void
  /** After `logout()` (before the redirect). */
  onLogout?: () => void
  /** Network failures and failed user loads. */
  onError?: (error: unknown) => void
  /**
   * Maps the JSON of the user/login endpoints to the user. Default: `data.user`, else `data`,
   * else `user` (fits `createAuthRoutes` and backends answering `{ data: user }`).
   */
  parseAuthResponse?: (json: unknown) => TUser | null | undefined
  /**
   * The user as the server knows it (e.g. `getServerUser()`), so the first paint needs no
   * client fetch. `null` = known to be signed out. Omit to load on mount.
   */
  initialUser?: TUser | null
}

export interface LoginResult<TUser = AuthUser> {
  success: boolean
  /** The backend's message (or a generic one). */
  message: string
  user: TUser | null
  /** Field errors from the backend's 422 response, e.g. `{ email: ['…'] }`; `{}` otherwise. */
  errors: Record<string, string[]>
}

export interface AuthState<TUser = AuthUser> {
  /** The signed-in user, a guest user (`type: 'guest'`), or null. */
  user: TUser | null
  /** True only while the first load is under way (never with `initialUser`). */
  isLoading: boolean
  /** A real user is signed in (not a guest). */
  isAuthenticated: boolean
  isGuest: boolean
  error: Error | null
  /**
   * POSTs the credentials (an object, FormData or URLSearchParams) as JSON with the CSRF header;
   * on success the user is set without another request and `onLogin` is called.
   */
  login: (
    credentials: Record<string, unknown> | FormData | URLSearchParams,
  ) => Promise<LoginResult<TUser>>
  /** Like `login`, against `registerEndpoint` (the new user is signed in on success). */
  register: (
    data: Record<string, unknown> | FormData | URLSearchParams,
  ) => Promise<LoginResult<TUser>>
  /** POSTs logout, clears the user, calls onLogout, then navigates to `logoutRedirect`. */
  logout: () => Promise<void>
  /** Loads the user again from `userEndpoint`. */
  refresh: () => Promise<TUser | null>
  /** SWR's mutate for the user query. */
  mutate: KeyedMutator<TUser | null>
}

/**
 * Provides the auth state to its subtree. A server component (e.g. `app/layout.tsx`) must render
 * it through the app's own client boundary, one line:
 * `'use client'; export { AuthProvider } from 'next-api-layer-native/client'` (e.g.
 * `app/providers.tsx`); rendered directly from a server component it throws "AuthProvider cannot
 * use React hooks here". Client components render it (and call `useAuth`) directly.
 */
export declare function AuthProvider<TUser = AuthUser>(props: AuthProviderProps<TUser>): ReactNode

/** The auth state; throws when used outside `<AuthProvider>`. */
export declare function useAuth<TUser = AuthUser>(): AuthState<TUser>

export declare const AuthContext: Context<AuthState<unknown> | null>

/** Thrown (into `error`) when the user endpoint fails with something other than 401/403. */
export declare class AuthError extends Error {
  status: number
  info: unknown
}

export declare function defaultParseAuthResponse(json: unknown): AuthUser | null

/** The CSRF cookie name set by the auth proxy: `'__csrf'`. */
export declare const CSRF_COOKIE: string
/** The header the CSRF token is echoed in: `'x-csrf-token'`. */
export declare const CSRF_HEADER: string

export interface CsrfOptions {
  /** Default `'__csrf'`. */
  cookieName?: string
  /** Default `'x-csrf-token'`. */
  headerName?: string
  /** Read from this string instead of `document.cookie`. */
  cookieString?: string
}

/** The CSRF cookie's value, or null (always null on the server). */
export declare function getCsrfToken(cookieName?: string, cookieString?: string): string | null
/** `{ 'x-csrf-token': token }` when the cookie exists, else `{}`. */
export declare function csrfHeaders(options?: CsrfOptions): Record<string, string>
/** A copy of a fetch init with the CSRF header added for unsafe methods. */
export declare function withCsrf(init?: RequestInit, options?: CsrfOptions): RequestInit
/**
 * `fetch` with the CSRF header on POST/PUT/PATCH/DELETE and `credentials: 'same-origin'`:
 * use it for forms posting through the catch-all proxy.
 */
export declare function csrfFetch(
  input: RequestInfo | URL,
  init?: RequestInit,
  options?: CsrfOptions,
): Promise<Response>

/** Options of the return-to helpers. */
export interface ReturnToOptions {
  /** Where to go when the candidate is not a safe target. Default `'/'`. */
  fallback?: string
  /** The origin to stay on. Default: the page's (`window.location.origin`). */
  origin?: string
}

/** The query parameters a return-to is read from, in order: returnTo, callbackUrl, redirect, from, next. */
export declare const RETURN_PARAMS: readonly string[]
/**
 * The same-origin target `candidate` resolves to (`/path?query#fragment`), or null. The same rule
 * as the auth proxy: resolved with the URL parser against `origin`, accepted only when the result
 * keeps that origin and its path does not start with `//` or `/\` (`/..//evil.com` is refused).
 */
export declare function resolveReturnTo(candidate: unknown, origin?: string): string | null
/** `candidate` when it is a safe return-to (see resolveReturnTo), else `options.fallback`. */
export declare function safeReturnTo(candidate: unknown, options?: ReturnToOptions): string
/** The safe return-to found in `params` (see RETURN_PARAMS), else `options.fallback`. */
export declare function returnToFrom(
  params: { get(name: string): string | null },
  options?: ReturnToOptions & { names?: string[] },
): string
