'use client'

import { useAuth } from 'next-api-layer-native/client'
import { useEffect, useState } from 'react'

type DemoUser = { id?: string | number; name?: string; type?: string }

// The auth state as the package's useAuth() sees it: server-rendered from AuthProvider's
// initialUser, then hydrated in the browser (the e2e compares both and reloads it).
export function AuthStatus() {
  const { user, isAuthenticated, isGuest, isLoading, refresh } = useAuth<DemoUser>()
  const [hydrated, setHydrated] = useState(false)
  const [refreshed, setRefreshed] = useState(false)
  useEffect(() => setHydrated(true), [])
  let text = 'anonymous'
  if (isLoading) text = 'loading'
  else if (isAuthenticated) text = `user:${user?.name}`
  else if (isGuest) text = 'guest'
  return (
    <span className="client-auth">
      <span
        data-testid="client-auth"
        data-hydrated={hydrated ? '1' : '0'}
        data-refreshed={refreshed ? '1' : '0'}
      >
        {text}
      </span>
      <button
        type="button"
        className="link"
        data-testid="client-auth-refresh"
        title="Reload the user in the browser (useAuth().refresh())"
        onClick={() => refresh().then(() => setRefreshed(true))}
      >
        ↻
      </button>
    </span>
  )
}
