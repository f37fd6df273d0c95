'use client'

import { csrfFetch } from 'next-api-layer-native/client'

// Browser-side calls go through the app's own catch-all proxy (/api/[...path]); the httpOnly
// token cookies ride along by themselves and never reach this code. csrfFetch echoes the CSRF
// double-submit cookie in the x-csrf-token header on state-changing calls.
export type ApiResult<T> = {
  status: number
  success: boolean
  data?: T
  message?: string
  errors?: Record<string, string[]>
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<ApiResult<T>> {
  const headers = new Headers(init.headers)
  if (init.body !== undefined && !headers.has('content-type')) {
    headers.set('content-type', 'application/json')
  }
  const res = await csrfFetch(`/api/${path.replace(/^\//, '')}`, { ...init, headers })
  try {
    const json = await res.json()
    return { status: res.status, ...json }
  } catch {
    return { status: res.status, success: false, message: `Request failed (${res.status})` }
  }
}
