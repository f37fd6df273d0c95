'use client'

// Browser-side calls go through the app's own catch-all proxy (/api/[...path]); the httpOnly
// token cookies ride along by themselves and never reach this code. State-changing calls echo the
// CSRF double-submit cookie in a header, as the proxy's CSRF check expects.
export const CSRF_COOKIE = 'csrf-token'
export const CSRF_HEADER = 'x-csrf-token'

function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return decodeURIComponent(v.join('='))
  }
  return undefined
}

export type ApiResult<T> = {
  status: number
  success: boolean
  data?: T
  message?: string
  errors?: Record<string, string[]>
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<ApiResult<T>> {
  const headers = new Headers(init.headers)
  const method = (init.method ?? 'GET').toUpperCase()
  if (init.body !== undefined && !headers.has('content-type')) {
    headers.set('content-type', 'application/json')
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = readCookie(CSRF_COOKIE)
    if (csrf) headers.set(CSRF_HEADER, csrf)
  }
  const res = await fetch(`/api/${path.replace(/^\//, '')}`, { ...init, method, headers })
  try {
    const json = await res.json()
    return { status: res.status, ...json }
  } catch {
    return { status: res.status, success: false, message: `Request failed (${res.status})` }
  }
}
