'use client'

import { useSearchParams } from 'next/navigation'
import { type FormEvent, useState } from 'react'
import { FieldError, type FieldErrors } from '@/lib/fields'
import { returnToFrom } from '@/lib/return-to'

type LoginResult = { success: boolean; message?: string; errors?: FieldErrors }

async function login(email: string, password: string): Promise<LoginResult> {
  const res = await fetch('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  try {
    return (await res.json()) as LoginResult
  } catch {
    return { success: false, message: `Login failed (${res.status})` }
  }
}

export function LoginForm() {
  const params = useSearchParams()
  const [pending, setPending] = useState(false)
  const [result, setResult] = useState<LoginResult | null>(null)

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const form = new FormData(e.currentTarget)
    setPending(true)
    const r = await login(String(form.get('email') ?? ''), String(form.get('password') ?? ''))
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
