'use client'

import { useSearchParams } from 'next/navigation'
import { type LoginResult, useAuth } from 'next-api-layer-native/client'
import { type FormEvent, useState } from 'react'
import { FieldError } from '@/lib/fields'
import { returnToFrom } from '@/lib/return-to'

export function LoginForm() {
  const params = useSearchParams()
  const { login } = useAuth()
  const [pending, setPending] = useState(false)
  const [result, setResult] = useState<LoginResult | null>(null)

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const form = new FormData(e.currentTarget)
    setPending(true)
    // POST /api/auth/login (createAuthRoutes): the token lands in an httpOnly cookie, the field
    // errors of a 422 come back as { email: ['…'] }.
    const r = await login({ email: form.get('email'), password: form.get('password') })
    if (r.success) {
      // A full navigation, so the proxy sees the new cookies and server components render the user.
      window.location.assign(returnToFrom(params))
      return
    }
    setResult(r)
    setPending(false)
  }

  return (
    <form className="stack" onSubmit={onSubmit} aria-label="login">
      {result && !result.success && result.message ? (
        <p className="alert" role="alert">
          {result.message}
        </p>
      ) : null}
      <label>
        Email
        <input name="email" type="email" autoComplete="username" defaultValue="" />
        <FieldError errors={result?.errors} name="email" />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" />
        <FieldError errors={result?.errors} name="password" />
      </label>
      <button type="submit" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  )
}
