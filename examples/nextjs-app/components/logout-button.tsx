'use client'

import { useAuth } from 'next-api-layer-native/client'
import { useState } from 'react'

export function LogoutButton() {
  const { logout } = useAuth()
  const [pending, setPending] = useState(false)
  return (
    <button
      type="button"
      className="secondary"
      disabled={pending}
      onClick={() => {
        setPending(true)
        // AuthProvider posts /api/auth/logout, clears the user, then navigates to /login.
        logout()
      }}
    >
      {pending ? 'Logging out…' : 'Log out'}
    </button>
  )
}
