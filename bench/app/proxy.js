// The bench app's proxy (Next.js 16 `proxy.js`, Node.js runtime). One build, six variants,
// chosen at start time by BENCH_VARIANT:
//   a  the floor: returns NextResponse.next() and nothing else
//   b  createAuthProxy with its defaults (validation cache on)
//   c  createAuthProxy with the cache disabled (cache.ttl 0)
//   e  createAuthProxy verifying the JWT locally (validate.mode 'local', the demo backend's secret)
//   f  createAuthProxy with a 10-minute cache TTL: a warm token is never re-validated in a run
//   d  BASELINE, not ours: the seed-style plain-JS proxy in ./seed-proxy.mjs (fetch /auth/me on
//      every request)

import { NextResponse } from 'next/server'
import { createAuthProxy } from 'next-api-layer-native'
import { createSeedProxy } from './seed-proxy.mjs'

const access = { protectedRoutes: ['/dashboard'], loginPath: '/login' }
let handler

function make() {
  const variant = process.env.BENCH_VARIANT || 'a'
  const apiBaseUrl = process.env.API_BASE_URL
  if (variant === 'a') return () => NextResponse.next()
  if (variant === 'b') return createAuthProxy({ apiBaseUrl, access })
  if (variant === 'c') return createAuthProxy({ apiBaseUrl, access, cache: { ttl: 0 } })
  if (variant === 'e') {
    const validate = { mode: 'local', secret: 'demo-secret', algorithms: ['HS256'] }
    return createAuthProxy({ apiBaseUrl, access, validate })
  }
  if (variant === 'f') return createAuthProxy({ apiBaseUrl, access, cache: { ttl: 600000 } })
  if (variant === 'd')
    return createSeedProxy({ apiBaseUrl, NextResponse, protectedRoutes: ['/dashboard'] })
  throw new Error(`unknown BENCH_VARIANT ${variant}`)
}

export default function proxy(req) {
  if (!handler) handler = make()
  return handler(req)
}

export const config = { matcher: ['/dashboard'] }
