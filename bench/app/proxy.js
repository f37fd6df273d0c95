// The bench app's proxy (Next.js 16 `proxy.js`, Node.js runtime). One build, one variant per
// server, chosen at start time by BENCH_VARIANT:
//   a  the floor: returns NextResponse.next() and nothing else
//   g  reference: the same from an async function (what being async costs any proxy)
//   h  reference: Next.js's own NextResponse.next({ request: { headers } }) adding two headers the
//      size of ours (what passing the user as a request header costs any proxy)
//   b  createAuthProxy with its defaults (validation cache on)
//   c  createAuthProxy with the cache disabled (cache.ttl 0)
//   e  createAuthProxy verifying the JWT locally (validate.mode 'local', the demo backend's secret)
//   f  createAuthProxy with a 1-hour cache TTL: a warm token is never re-validated in a run (the
//      part runs 10-15 minutes from the first request; a 10-minute TTL expired within it)
//   k  (f) with userHeader 'always': the signed x-auth-user headers on every request
//   r  (f) with the Redis store (REDIS_URL): cache hits must not touch Redis
//   d  BASELINE, not ours: the seed-style plain-JS proxy in ./seed-proxy.mjs (fetch /auth/me on
//      every request)

import { NextResponse } from 'next/server'
import { createAuthProxy } from 'next-api-layer-native'
import { createSeedProxy } from './seed-proxy.mjs'

const access = { protectedRoutes: ['/dashboard'], loginPath: '/login' }
const warm = { ttl: 3600000 }
// The sizes of a demo user's x-auth-user (base64 JSON) and of its x-auth-user-sig (base64url
// HMAC-SHA256): (h) pays for exactly the bytes our proxy would add.
const USER_HEADER = 'x'.repeat(96)
const SIG_HEADER = 'y'.repeat(43)
let handler

function withTwoHeaders(req) {
  const headers = new Headers(req.headers)
  headers.set('x-auth-user', USER_HEADER)
  headers.set('x-auth-user-sig', SIG_HEADER)
  return NextResponse.next({ request: { headers } })
}

function make() {
  const variant = process.env.BENCH_VARIANT || 'a'
  const apiBaseUrl = process.env.API_BASE_URL
  if (variant === 'a') return () => NextResponse.next()
  if (variant === 'g') return async () => NextResponse.next()
  if (variant === 'h') return withTwoHeaders
  if (variant === 'b') return createAuthProxy({ apiBaseUrl, access })
  if (variant === 'c') return createAuthProxy({ apiBaseUrl, access, cache: { ttl: 0 } })
  if (variant === 'e') {
    const validate = { mode: 'local', secret: 'demo-secret', algorithms: ['HS256'] }
    return createAuthProxy({ apiBaseUrl, access, validate })
  }
  if (variant === 'f') return createAuthProxy({ apiBaseUrl, access, cache: warm })
  if (variant === 'k')
    return createAuthProxy({ apiBaseUrl, access, cache: warm, userHeader: 'always' })
  if (variant === 'r') {
    if (!process.env.REDIS_URL) throw new Error('variant r needs REDIS_URL')
    return createAuthProxy({
      apiBaseUrl,
      access,
      cache: warm,
      store: { url: process.env.REDIS_URL },
    })
  }
  if (variant === 'd')
    return createSeedProxy({ apiBaseUrl, NextResponse, protectedRoutes: ['/dashboard'] })
  throw new Error(`unknown BENCH_VARIANT ${variant}`)
}

export default function proxy(req) {
  if (!handler) handler = make()
  return handler(req)
}

export const config = { matcher: ['/dashboard'] }
