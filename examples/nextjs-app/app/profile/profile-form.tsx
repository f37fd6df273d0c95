'use client'

import { type FormEvent, useState } from 'react'
import { api } from '@/lib/api'
import { FieldError } from '@/lib/fields'

type User = { id: number; name: string; email: string }

export function ProfileForm({ initialName }: { initialName: string }) {
  const [name, setName] = useState(initialName)
  const [pending, setPending] = useState(false)
  const [result, setResult] = useState<{
    ok: boolean
    message?: string
    errors?: Record<string, string[]>
  } | null>(null)

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    setPending(true)
    setResult(null)
    const r = await api<User>('profile', { method: 'PUT', body: JSON.stringify({ name }) })
    setPending(false)
    if (r.success && r.data) {
      setName(r.data.name)
      setResult({ ok: true, message: r.message ?? 'Saved.' })
    } else setResult({ ok: false, message: r.message, errors: r.errors })
  }

  return (
    <form className="stack" onSubmit={onSubmit} aria-label="profile">
      {result?.ok ? (
        <p className="success" role="status">
          {result.message}
        </p>
      ) : null}
      {result && !result.ok && result.message ? (
        <p className="alert" role="alert">
          {result.message}
        </p>
      ) : null}
      <label>
        Display name
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} />
        <FieldError errors={result?.errors} name="name" />
      </label>
      <button type="submit" disabled={pending}>
        {pending ? 'Saving…' : 'Save'}
      </button>
    </form>
  )
}
