'use client'

// The ONE implementation of AuthProvider / useAuth, as a factory over the React instance (and
// SWR) it is given, so each entry can hand it the right React without a second copy of the code:
//   - js/client/index.js (plain Node, tests, require/import): `react` + swr
//   - js/client/browser.mjs (the "browser" export condition, client bundles): `react` + swr
//   - js/client/node.js (the "node" condition: Next.js's server, where the package is external):
//     Next's own SSR React and NO swr (swr would require node_modules/react, a second React whose
//     hooks crash during server rendering). Without swr the provider renders the state the
//     browser's first (hydrating) render shows: `initialUser`, or loading.
// It must never load the native addon or any server module: only ./csrf is required here
// (__test__/client.test.js checks the module graph).

const csrf = require('./csrf')

const { csrfHeaders } = csrf

const DEFAULTS = {
  userEndpoint: '/api/auth/me',
  loginEndpoint: '/api/auth/login',
  logoutEndpoint: '/api/auth/logout',
  registerEndpoint: '/api/auth/register',
  logoutRedirect: '/login',
}

/** The user in our auth routes' JSON (`{ data: { user } }`), or the backend's own shapes. */
function defaultParseAuthResponse(json) {
  if (!json || typeof json !== 'object') return null
  const d = json.data
  if (d && typeof d === 'object') {
    if ('user' in d) return d.user ?? null
    return d
  }
  if (json.user && typeof json.user === 'object') return json.user
  return null
}

class AuthError extends Error {
  constructor(message, status, info) {
    super(message)
    this.name = 'AuthError'
    this.status = status
    this.info = info
  }
}

/** A FormData / URLSearchParams becomes a plain object (string fields only). */
function toPlainObject(data) {
  if (data == null) return {}
  if (typeof FormData !== 'undefined' && data instanceof FormData) {
    const out = {}
    for (const [k, v] of data.entries()) if (typeof v === 'string') out[k] = v
    return out
  }
  if (typeof URLSearchParams !== 'undefined' && data instanceof URLSearchParams) {
    return Object.fromEntries(data)
  }
  return data
}

async function readJson(res) {
  const text = await res.text()
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

function makeFetcher(parse) {
  return async function fetchUser(url) {
    const res = await fetch(url, {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { accept: 'application/json' },
    })
    // Not signed in is a state, not an error.
    if (res.status === 401 || res.status === 403) return null
    const json = await readJson(res)
    if (!res.ok) {
      throw new AuthError(
        json?.message || `Loading the user failed (${res.status})`,
        res.status,
        json,
      )
    }
    return parse(json) ?? null
  }
}

// The first hook of AuthProvider throws a TypeError ("reading 'useRef'") when no renderer is
// rendering it with this React: most often a server component rendered it directly (or a second
// copy of React renders it).
function hooksUnavailable(e) {
  if (!(e instanceof TypeError)) return e
  return new Error(
    'AuthProvider cannot use React hooks here. If a server component renders it, render it through the app\'s own client boundary: a file starting with the "use client" directive that re-exports AuthProvider from the package\'s "/client" entry (README: AuthProvider and useAuth). Otherwise two copies of React are in play.',
    { cause: e },
  )
}

// Without SWR (server rendering): the state the browser's first render hydrates with. SWR
// answers that render from `fallbackData` (our initialUser) and reports loading when it will
// fetch on mount; nothing is fetched on the server, and the actions are never called there.
function useUserWithoutSWR(_key, _fetcher, options) {
  const data = options.fallbackData
  const willFetch = options.revalidateOnMount ?? true
  return {
    data,
    error: undefined,
    isLoading: data === undefined && willFetch,
    mutate: async (next) => (typeof next === 'function' ? undefined : next),
  }
}

// POSTs credentials to an endpoint of the auth routes (login or register). `{ failure }` is the
// result to hand the caller when nobody was signed in (a network error also goes to onError);
// otherwise `{ json }`, the routes' answer.
async function postCredentials(endpoint, credentials, what, onError) {
  let res
  let json
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...csrfHeaders(),
      },
      body: JSON.stringify(toPlainObject(credentials)),
    })
    json = await readJson(res)
  } catch (e) {
    onError(e)
    return {
      failure: {
        success: false,
        message: 'Network error. Please try again.',
        user: null,
        errors: {},
      },
    }
  }
  if (!res.ok || json?.success === false) {
    return {
      failure: {
        success: false,
        message: json?.message || `${what} failed (${res.status})`,
        user: null,
        errors: json?.errors && typeof json.errors === 'object' ? json.errors : {},
      },
    }
  }
  return { json }
}

/**
 * @param {object} React the React module to create the context and call hooks with
 * @param {Function | null} useSWR SWR's hook, or null to render without it (server rendering)
 */
function createAuthClient(React, useSWR) {
  const AuthContext = React.createContext(null)

  const useUser = useSWR ?? useUserWithoutSWR

  /**
   * Provides the signed-in user to the tree. See client.d.ts for the props and their defaults.
   */
  function AuthProvider(props) {
    const {
      children,
      userEndpoint = DEFAULTS.userEndpoint,
      loginEndpoint = DEFAULTS.loginEndpoint,
      logoutEndpoint = DEFAULTS.logoutEndpoint,
      registerEndpoint = DEFAULTS.registerEndpoint,
      logoutRedirect = DEFAULTS.logoutRedirect,
      swrConfig,
      onLogin,
      onLogout,
      onError,
      parseAuthResponse = defaultParseAuthResponse,
      initialUser,
    } = props

    // Callbacks in refs: new function identities on every parent render must not refetch.
    let cb
    try {
      // biome-ignore lint/correctness/useHookAtTopLevel: the try only rethrows a clearer error; no hook is ever skipped
      cb = React.useRef({})
    } catch (e) {
      throw hooksUnavailable(e)
    }
    cb.current = { onLogin, onLogout, onError, parse: parseAuthResponse }
    const fetcher = React.useMemo(() => makeFetcher((json) => cb.current.parse(json)), [])

    const hasInitial = initialUser !== undefined
    const swr = useUser(userEndpoint, fetcher, {
      revalidateOnFocus: true,
      shouldRetryOnError: false,
      dedupingInterval: 2000,
      ...(hasInitial ? { fallbackData: initialUser, revalidateOnMount: false } : {}),
      ...swrConfig,
      onError(error, key, config) {
        cb.current.onError?.(error)
        swrConfig?.onError?.(error, key, config)
      },
    })
    const { data, error, isLoading, mutate } = swr

    // POSTs credentials to an endpoint of the auth routes; on success the user is set without
    // another request. Shared by login and register.
    const signIn = React.useCallback(
      async (endpoint, credentials, what) => {
        const onError = (e) => cb.current.onError?.(e)
        const { failure, json } = await postCredentials(endpoint, credentials, what, onError)
        if (failure) return failure
        const user = cb.current.parse(json) ?? null
        await mutate(user, { revalidate: false })
        cb.current.onLogin?.(user)
        return { success: true, message: json?.message || '', user, errors: {} }
      },
      [mutate],
    )

    const login = React.useCallback(
      (credentials) => signIn(loginEndpoint, credentials, 'Login'),
      [signIn, loginEndpoint],
    )
    const register = React.useCallback(
      (data) => signIn(registerEndpoint, data, 'Registration'),
      [signIn, registerEndpoint],
    )

    const logout = React.useCallback(async () => {
      try {
        await fetch(logoutEndpoint, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { accept: 'application/json', ...csrfHeaders() },
        })
      } catch (e) {
        cb.current.onError?.(e)
      }
      await mutate(null, { revalidate: false })
      cb.current.onLogout?.()
      if (logoutRedirect && typeof window !== 'undefined') window.location.assign(logoutRedirect)
    }, [logoutEndpoint, logoutRedirect, mutate])

    const refresh = React.useCallback(async () => {
      const user = await mutate()
      return user ?? null
    }, [mutate])

    const user = data ?? null
    const isGuest = !!user && user.type === 'guest'
    const value = React.useMemo(
      () => ({
        user,
        isLoading: !!isLoading && data === undefined,
        isAuthenticated: !!user && !isGuest,
        isGuest,
        error: error ?? null,
        login,
        register,
        logout,
        refresh,
        mutate,
      }),
      [user, isLoading, data, isGuest, error, login, register, logout, refresh, mutate],
    )
    return React.createElement(AuthContext.Provider, { value }, children)
  }

  /** The auth state and actions; must be used inside <AuthProvider>. */
  function useAuth() {
    const ctx = React.useContext(AuthContext)
    if (!ctx) throw new Error('useAuth() must be used inside <AuthProvider>')
    return ctx
  }

  return {
    AuthProvider,
    useAuth,
    AuthContext,
    AuthError,
    defaultParseAuthResponse,
    CSRF_COOKIE: csrf.CSRF_COOKIE,
    CSRF_HEADER: csrf.CSRF_HEADER,
    getCsrfToken: csrf.getCsrfToken,
    csrfHeaders: csrf.csrfHeaders,
    withCsrf: csrf.withCsrf,
    csrfFetch: csrf.csrfFetch,
  }
}

module.exports = createAuthClient
