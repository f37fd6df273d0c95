// The proxy sends people to /login with the page they wanted as a query parameter. Only a
// same-origin relative path is ever followed (no open redirect), whatever the parameter holds.
export const RETURN_PARAMS = ['returnTo', 'callbackUrl', 'redirect', 'from', 'next']

export function safeReturnTo(value: string | null | undefined, fallback = '/dashboard'): string {
  if (!value) return fallback
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback
  for (const ch of value) if (ch.charCodeAt(0) < 0x20) return fallback
  return value
}

export function returnToFrom(
  params: { get(name: string): string | null },
  fallback = '/dashboard',
): string {
  for (const name of RETURN_PARAMS) {
    const v = params.get(name)
    if (v) return safeReturnTo(v, fallback)
  }
  return fallback
}
