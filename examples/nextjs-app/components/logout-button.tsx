'use client'

import { useState } from 'react'

export function LogoutButton() {
  const [pending, setPending] = useState(false)
  async function onClick() {
    setPending(true)
    await fetch('/api/auth/logout', { method: 'POST' }).catch(() => undefined)
    window.location.assign('/login')
  }
  return (
    <button type="button" className="secondary" onClick={onClick} disabled={pending}>
      {pending ? 'Logging out…' : 'Log out'}
    </button>
  )
}
