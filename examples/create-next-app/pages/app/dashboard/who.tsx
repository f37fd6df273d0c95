'use client'
// The same user on the client (AuthProvider got it from app/session), and logout.
import { useAuth } from 'next-api-layer-native/client'

export function Who() {
  const { user, logout } = useAuth<{ name: string }>()
  return (
    <p>
      <span data-testid="client-user">{user?.name ?? 'nobody'}</span>{' '}
      <button
        type="button"
        onClick={async () => {
          await logout()
          window.location.assign('/')
        }}
      >
        Log out
      </button>
    </p>
  )
}
