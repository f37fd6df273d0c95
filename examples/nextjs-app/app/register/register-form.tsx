'use client'

import { csrfFetch } from 'next-api-layer-native/client'
import { type FormEvent, useState } from 'react'
import { FieldError, type FieldErrors } from '@/lib/fields'

type RegisterResult = { success: boolean; message?: string; errors?: FieldErrors }

export function RegisterForm() {
  const [pending, setPending] = useState(false)
  const [result, setResult] = useState<RegisterResult | null>(null)

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    setPending(true)
    const body = Object.fromEntries(new FormData(e.currentTarget))
    const res = await csrfFetch('/api/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    let r: RegisterResult
    try {
      r = (await res.json()) as RegisterResult
    } catch {
      r = { success: false, message: `Registration failed (${res.status})` }
    }
    if (r.success) {
      window.location.assign('/dashboard')
      return
    }
    setResult(r)
    setPending(false)
  }

  const errors = result?.errors
  return (
    <form className="stack" onSubmit={onSubmit} aria-label="register">
      {result && !result.success && result.message ? (
        <p className="alert" role="alert">
          {result.message}
        </p>
      ) : null}
      <label>
        Name
        <input name="name" autoComplete="name" />
        <FieldError errors={errors} name="name" />
      </label>
      <label>
        Email
        <input name="email" type="email" autoComplete="email" />
        <FieldError errors={errors} name="email" />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="new-password" />
        <FieldError errors={errors} name="password" />
      </label>
      <label>
        Confirm password
        <input name="password_confirmation" type="password" autoComplete="new-password" />
      </label>
      <button type="submit" disabled={pending}>
        {pending ? 'Creating…' : 'Create account'}
      </button>
    </form>
  )
}
