// The bench app's proxy (Next.js 16 `proxy.js`, Node.js runtime). One build; the variant is
// chosen at start time by BENCH_VARIANT:
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
//   all  every variant above, plus A (a second, identical empty proxy: the calibration's twin),
//      built when the module loads, in one process; GET /bench-variant?v=<key> switches which one
//      answers the requests that follow (the proxy part's same-process alternation: every variant
//      runs in the same process, JIT and heap, so a per-process offset is common to all of them).

import { NextResponse } from 'next/server'
import { createAuthProxy } from 'next-api-layer-native'
import { createSeedProxy } from './seed-proxy.mjs'

const access = { protectedRoutes: ['/dashboard'], loginPath: '/login' }
const warm = { ttl: 3600000 }
// The sizes of a demo user's x-auth-user (base64 JSON) and of its x-auth-user-sig (base64url
// HMAC-SHA256): (h) pays for exactly the bytes our proxy would add.
const USER_HEADER = 'x'.repeat(96)
const SIG_HEADER = 'y'.repeat(43)
const CONTROL = '/bench-variant'
// Shared with the route (same process and realm): which variant answers now.
const NOW = Symbol.for('nalnative-bench.variant')
// The library's list of auth-proxy engines that getServerUser() reads the user from (newest
// first). A server of one variant holds one; here the switch leaves only the current variant's.
const PROXY_ENGINES = Symbol.for('next-api-layer-native.proxy-engines')

function withTwoHeaders(req) {
  const headers = new Headers(req.headers)
  headers.set('x-auth-user', USER_HEADER)
  headers.set('x-auth-user-sig', SIG_HEADER)
  return NextResponse.next({ request: { headers } })
}

function make(variant) {
  const apiBaseUrl = process.env.API_BASE_URL
  if (variant === 'a' || variant === 'A') return () => NextResponse.next()
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

const ALL = ['a', 'A', 'g', 'h', 'b', 'c', 'e', 'f', 'k', 'r', 'd']
const OURS = new Set(['b', 'c', 'e', 'f', 'k', 'r'])

/** Every variant, each of ours with the auth-proxy engine entry it registered. */
function makeAll() {
  const out = {}
  for (const v of ALL) {
    const before = globalThis[PROXY_ENGINES]?.[0]
    const handler = make(v)
    const entry = globalThis[PROXY_ENGINES]?.[0]
    if (OURS.has(v) && (entry === undefined || entry === before))
      throw new Error(`bench app: variant ${v} registered no auth-proxy engine of its own`)
    out[v] = { handler, entry: OURS.has(v) ? entry : undefined }
  }
  return out
}

let handler
let all
/** Makes `v` the variant that answers; its engine the only one getServerUser() reads. */
function use(v) {
  const x = all[v]
  if (!x) return false
  const list = globalThis[PROXY_ENGINES]
  list.length = 0
  if (x.entry) list.push(x.entry)
  handler = x.handler
  globalThis[NOW] = v
  return true
}

export default function proxy(req) {
  if (handler === undefined) {
    const variant = process.env.BENCH_VARIANT || 'a'
    if (variant === 'all') {
      all = makeAll()
      use('a')
    } else {
      handler = make(variant)
      globalThis[NOW] = variant
    }
  }
  // The switch: one string comparison per request, the same whichever variant answers.
  if (all !== undefined && req.nextUrl.pathname === CONTROL) {
    const v = req.nextUrl.searchParams.get('v')
    if (!use(v)) return NextResponse.json({ error: `unknown variant ${v}` }, { status: 400 })
    return NextResponse.json({ variant: v, proxyEngines: globalThis[PROXY_ENGINES].length })
  }
  return handler(req)
}

export const config = { matcher: ['/dashboard', '/bench-variant'] }
