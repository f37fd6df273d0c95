// Hardening after the red-team review (issue 12), against the demo backend process with real
// NextRequest objects through the built addon. Each test holds one invariant over several
// variants; the Rust side of each is in tests/hardening.rs.

const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const { NextRequest } = require('next/server')
const { startBackend } = require('../examples/backend/spawn.js')
const { createAuthProxy } = require('../index.js')
const { createAuthRoutes } = require('../js/routes/auth-routes.js')

const APP = 'http://app.test'
let backend

before(async () => {
  backend = await startBackend()
})
after(async () => {
  await backend?.stop()
})
beforeEach(async () => {
  await backend.reset()
})

// Each test gets its own engine (distinct config), so caches never leak between tests.
let seq = 0
function proxyFor(extra = {}) {
  seq += 1
  return createAuthProxy({
    apiBaseUrl: backend.url,
    access: { protectedRoutes: ['/dashboard/**', '/api/profile/**'], authRoutes: ['/login'] },
    cache: { ttl: 60000, maxSize: 2000 + seq },
    ...extra,
  })
}

function request(path, { cookie, headers = {}, method = 'GET' } = {}) {
  const h = { 'user-agent': 'node-test', ...headers }
  if (cookie) h.cookie = cookie
  return new NextRequest(new URL(path, APP), { method, headers: h })
}

/** The request headers code behind the proxy sees, computed the way Next.js applies them. */
function downstream(req, res) {
  const list = res.headers.get('x-middleware-override-headers')
  if (list === null) return new Headers(req.headers)
  const out = new Headers()
  for (const name of list.split(',').filter(Boolean)) {
    const v = res.headers.get(`x-middleware-request-${name}`)
    if (v !== null) out.set(name, v)
  }
  return out
}

function authUser(headers) {
  const v = headers.get('x-auth-user')
  return v ? JSON.parse(Buffer.from(v, 'base64').toString('utf8')) : null
}

async function login(email = 'demo@example.com') {
  const res = await fetch(`${backend.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'password' }),
  })
  return (await res.json()).data
}

// ------------------------------------------------------------------ 13. logout revokes at once

test('logout through the auth routes ends the session in the proxy and getServerUser at once', async () => {
  const proxy = proxyFor()
  // the auth routes find the proxy's engine by backend, validate endpoint and cookie names
  const routes = createAuthRoutes({ apiBaseUrl: backend.url })
  const { getServerUser } = require('../server.js')
  const { token } = await login()
  const cookie = `userToken=${token}`
  const req = () => request('/dashboard', { cookie })
  const ok = await proxy(req())
  assert.equal(authUser(downstream(req(), ok))?.email, 'demo@example.com')
  const seen = await getServerUser({ request: req(), apiBaseUrl: backend.url })
  assert.equal(seen.user?.email, 'demo@example.com')
  const calls = await backend.count('GET /auth/me')
  const logoutReq = new NextRequest(`${APP}/api/auth/logout`, {
    method: 'POST',
    headers: { cookie },
  })
  assert.equal((await routes.logout(logoutReq)).status, 200)
  // at once, from the engine (no backend call), although the cache TTL is a minute: the
  // synchronous path, an API route and getServerUser all refuse the token
  const page = await proxy(req())
  assert.equal(page.status, 307)
  assert.match(page.headers.get('location'), /\/login\?returnTo=/)
  const api = await proxy(request('/api/profile', { cookie }))
  assert.equal(api.status, 401)
  const after = await getServerUser({ request: req(), apiBaseUrl: backend.url })
  assert.equal(after.user, null)
  assert.equal(await backend.count('GET /auth/me'), calls, 'refused without asking')
})
