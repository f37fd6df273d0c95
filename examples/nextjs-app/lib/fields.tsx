// Field errors as the backend sends them: { email: ['These credentials do not match our records.'] }
export type FieldErrors = Record<string, string[] | string> | undefined

export function FieldError({ errors, name }: { errors: FieldErrors; name: string }) {
  const e = errors?.[name]
  if (!e) return null
  const list = Array.isArray(e) ? e : [e]
  return (
    <span className="field-error" data-field-error={name}>
      {list.join(' ')}
    </span>
  )
}
