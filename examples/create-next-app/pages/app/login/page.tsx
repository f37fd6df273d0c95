'use client'
// The login page a user writes after init (README quick start): useAuth().login posts to the
// auth routes init scaffolded; then back to the page the proxy sent the visitor away from.
import { useSearchParams } from 'next/navigation'
import { useAuth } from 'next-api-layer-native/client'
import { type FormEvent, useState } from 'react'

function returnTo(value: string | null): string {
  // Only a same-origin path: never //host or /\host (open redirect).
  if (value?.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')) return value
  return '/dashboard'
}

export default function LoginPage() {
  const params = useSearchParams()
  const { login } = useAuth()
  const [error, setError] = useState('')

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const form = new FormData(e.currentTarget)
    const r = await login({ email: form.get('email'), password: form.get('password') })
    if (r.success) window.location.assign(returnTo(params.get('returnTo')))
    else setError(r.message || 'Login failed')
  }

  return (
    <form onSubmit={onSubmit} aria-label="login">
      {error ? <p role="alert">{error}</p> : null}
      <input name="email" type="email" placeholder="Email" />
      <input name="password" type="password" placeholder="Password" />
      <button type="submit">Log in</button>
    </form>
  )
}
