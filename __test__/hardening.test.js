// Hardening after the red-team review (issue 12), against the demo backend process with real
// NextRequest objects through the built addon. Each test holds one invariant over several
// variants; the Rust side of each is in tests/hardening.rs.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { NextRequest } = require('next/server')
const { demoBackendPerFile } = require('./helpers/demo-backend.js')
const { authUser, downstream, downstreamUser, loginAt } = require('./helpers/next-proxy.js')
const { createAuthProxy } = require('../index.js')
const { createAuthRoutes } = require('../js/routes/auth-routes.js')

const APP = 'http://app.test'
const backend = demoBackendPerFile()

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

/** Logs in at the demo backend this file started. */
const login = (email) => loginAt(backend.url, email)

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
  assert.equal((await downstreamUser(req(), ok))?.email, 'demo@example.com')
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

// ------------------------------------------------------------------ 1. return-to

test('the proxy never redirects a signed-in user off-site, whatever the return-to (shared table)', async () => {
  const table = require('../tests/fixtures/return-to.json')
  const proxy = proxyFor()
  const { token } = await login()
  let tried = 0
  for (const c of table.cases) {
    if ('origin' in c) continue
    const q = new URLSearchParams({ returnTo: c.input }).toString()
    const req = new NextRequest(`https://app.test/login?${q}`, {
      // the scheme reaches the engine through the Origin header (facts carry no scheme)
      headers: {
        cookie: `userToken=${token}`,
        'user-agent': 'node-test',
        host: 'app.test',
        origin: 'https://app.test',
      },
    })
    const res = await proxy(req)
    assert.equal(res.status, 307, JSON.stringify(c.input))
    const loc = res.headers.get('location')
    // relative or absolute, it resolves on the request's origin
    assert.equal(
      new URL(loc, 'https://app.test').origin,
      'https://app.test',
      `${c.input} -> ${loc}`,
    )
    const path = new URL(loc, 'https://app.test')
    assert.equal(path.href.slice(path.origin.length), c.expect ?? '/', JSON.stringify(c.input))
    tried++
  }
  assert.ok(tried >= 60)
})

// ------------------------------------------------------------------ 2. one credential

test('the catch-all sends exactly one credential: never cookies, set-cookie or x-middleware-*', async () => {
  const { createProxyHandler } = require('../js/handler/proxy-handler.js')
  const fresh = (await backend.mint({ sub: '1' })).token
  const leaky = {
    cookie: `userToken=${fresh}; other=1`,
    'set-cookie': `userToken=${fresh}; Path=/; HttpOnly`,
    'x-middleware-set-cookie': `userToken=${fresh}; Path=/; HttpOnly`,
    'x-middleware-override-headers': 'cookie',
    'x-middleware-request-cookie': `userToken=${fresh}`,
    'x-middleware-whatever': fresh,
    cookie2: `userToken=${fresh}`,
    authorization: 'Bearer client-chosen',
  }
  const variants = [
    // a public endpoint still gets the user's token (the router's choice), nothing else
    ['public endpoint', { publicEndpoints: ['/echo/**'] }, {}, `Bearer ${fresh}`],
    [
      'x-skip-auth on a public endpoint',
      { publicEndpoints: ['/echo/**'] },
      { 'x-skip-auth': 'true' },
      null,
    ],
    ['authenticated endpoint', {}, {}, `Bearer ${fresh}`],
    [
      'transformRequest copying the browser headers',
      {
        publicEndpoints: ['/echo/**'],
        transformRequest: (init, request) => ({ ...init, headers: new Headers(request.headers) }),
      },
      {},
      'Bearer client-chosen',
    ],
  ]
  for (const [name, cfg, extra, expectAuth] of variants) {
    const h = createProxyHandler({ apiBaseUrl: backend.url, ...cfg })
    const req = new NextRequest(`${APP}/api/echo/x`, { headers: { ...leaky, ...extra } })
    const res = await h(req, { params: Promise.resolve({ path: ['echo', 'x'] }) })
    assert.equal(res.status, 200, name)
    const seen = (await res.json()).data.headers
    for (const k of Object.keys(seen)) {
      assert.ok(!k.startsWith('x-middleware-'), `${name}: ${k} reached the backend`)
    }
    for (const k of ['cookie', 'cookie2', 'set-cookie'])
      assert.equal(seen[k], undefined, `${name}: ${k}`)
    const { authorization, ...rest } = seen
    assert.ok(!JSON.stringify(rest).includes(fresh), `${name}: ${JSON.stringify(rest)}`)
    assert.equal(seen.authorization ?? null, expectAuth, name)
  }
})

// ------------------------------------------------------------------ 3. bounded answers

test('oversized backend answers: 503 for API routes, cookies kept, memory bounded', async () => {
  const proxy = proxyFor({ backend: { maxBodyBytes: 64 * 1024 } })
  const { token } = await login()
  await backend.faults({ me: { mode: 'huge' } })
  try {
    const cookie = `userToken=${token}`
    const api = await proxy(request('/api/profile', { cookie }))
    assert.equal(api.status, 503)
    assert.equal((await api.json()).code, 'ERR_BACKEND_BAD_RESPONSE')
    assert.deepEqual(api.headers.getSetCookie(), [])
    const page = await proxy(request('/', { cookie }))
    assert.equal(page.headers.get('x-middleware-next'), '1')
    assert.deepEqual(page.headers.getSetCookie(), [])
    // the auth routes read their backend answers up to maxResponseBytes
    const routes = createAuthRoutes({ apiBaseUrl: backend.url, maxResponseBytes: 64 * 1024 })
    const me = await routes.me(request('/api/auth/me', { cookie }))
    assert.equal(me.status, 502)
    assert.deepEqual(me.headers.getSetCookie(), [])
  } finally {
    await backend.faults({ me: null })
  }
})

// ------------------------------------------------------------------ 4. faults are not rejections

test('a refresh endpoint that answers 404, 5xx or nothing never deletes cookies', async () => {
  for (const mode of ['404', '500', '502', '503', '429', 'down', 'malformed']) {
    const proxy = proxyFor()
    const { token } = await backend.mint({ sub: '1', ttl: -30 }) // expired: needs a refresh
    await backend.faults({ refresh: { mode } })
    try {
      const cookie = `userToken=${token}`
      const api = await proxy(request('/api/profile', { cookie }))
      assert.equal(api.status, 503, mode)
      assert.deepEqual(api.headers.getSetCookie(), [], mode)
      const page = await proxy(request('/dashboard', { cookie }))
      assert.ok(!page.headers.getSetCookie().some((c) => c.startsWith('userToken=;')), mode)
      // the auth routes' refresh: backend trouble is 503 with the cookies untouched
      const routes = createAuthRoutes({ apiBaseUrl: backend.url })
      const r = await routes.refresh(
        new NextRequest(`${APP}/api/auth/refresh`, { method: 'POST', headers: { cookie } }),
      )
      assert.ok(r.status >= 502 && r.status <= 504, `${mode}: ${r.status}`)
      assert.deepEqual(r.headers.getSetCookie(), [], mode)
    } finally {
      await backend.faults({ refresh: null })
    }
  }
  // a definite rejection does clear them
  const proxy = proxyFor()
  const cookie = 'userToken=not-a-real-token'
  const api = await proxy(request('/api/profile', { cookie }))
  assert.equal(api.status, 401)
  assert.ok(api.headers.getSetCookie().some((c) => c.startsWith('userToken=;')))
})

// ------------------------------------------------------------------ 5/6. floods and guests

test('bad-token flood: at most one backend call per distinct token, guests bounded per client', async () => {
  const proxy = proxyFor({
    guestToken: {
      enabled: true,
      credentials: { username: 'guest', password: 'guest-secret' },
      rateLimit: { maxRequests: 5, windowMs: 60000 },
    },
  })
  const h = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')
  const exp = Math.floor(Date.now() / 1000) + 3600
  const n = 30
  for (let i = 0; i < n; i++) {
    const p = Buffer.from(JSON.stringify({ sub: String(i), exp })).toString('base64url')
    const cookie = `userToken=${h}.${p}.forged${i}`
    for (let k = 0; k < 2; k++) await proxy(request('/', { cookie }))
  }
  const c = (await backend.counters()).routes
  const calls = (c['GET /auth/me'] || 0) + (c['POST /auth/refresh'] || 0)
  assert.equal(c['GET /auth/me'], n, 'one validate per distinct token')
  assert.equal(c['POST /auth/refresh'] || 0, 0, 'none refreshed')
  assert.ok(calls / n <= 1)
  assert.ok(
    (c['POST /auth/guest'] || 0) <= 5,
    `guests bounded per client: ${c['POST /auth/guest']}`,
  )
})

test('each request that needs a guest gets its own guest token', async () => {
  const proxy = proxyFor({
    guestToken: { enabled: true, credentials: { username: 'guest', password: 'guest-secret' } },
  })
  await backend.faults({ guest: { latencyMs: 100 } })
  try {
    const same = { 'x-forwarded-for': '198.51.100.7', 'user-agent': 'victim-agent' }
    const res = await Promise.all(
      Array.from({ length: 4 }, () => proxy(request('/', { headers: same }))),
    )
    const tokens = res.map(
      (r) =>
        r.headers
          .getSetCookie()
          .find((c) => c.startsWith('guestToken='))
          ?.split(';')[0],
    )
    assert.equal(new Set(tokens).size, 4, 'no two responses share a guest')
  } finally {
    await backend.faults({ guest: null })
  }
})

// ------------------------------------------------------------------ 7. duplicate cookies

test('duplicate auth cookies: nobody is authorised and cookies() downstream sees none', async () => {
  const proxy = proxyFor()
  const a = (await login('demo@example.com')).token
  const b = (await backend.mint({ sub: '2' })).token
  for (const cookie of [
    `userToken=${a}; userToken=${b}`,
    `userToken=${b}; userToken=${a}`,
    `userToken=${a};userToken=${a}`,
    `userToken=${a}; other=1; userToken=`,
  ]) {
    // a page the proxy lets through (public): what server code then reads is what matters
    const req = request('/', { cookie })
    // what Next.js's cookies() would read, for the record: one of the copies
    assert.ok(req.cookies.get('userToken') !== undefined)
    const res = await proxy(req)
    assert.equal(res.headers.get('x-middleware-next'), '1', cookie)
    const down = downstream(req, res)
    assert.equal(authUser(down), null)
    const { NextRequest: NR } = require('next/server')
    const seen = new NR(`${APP}/dashboard`, { headers: down })
    assert.equal(seen.cookies.get('userToken'), undefined, `${cookie} -> ${down.get('cookie')}`)
  }
  // getServerUser without the proxy in front reads none either
  const { getServerUser } = require('../server.js')
  const r = await getServerUser({
    request: request('/', { cookie: `userToken=${a}; userToken=${b}` }),
    apiBaseUrl: backend.url,
  })
  assert.equal(r.user, null)
})

// ------------------------------------------------------------------ 8. x-refreshed-token

test('a client-sent x-refreshed-token is not believed outside the proxy matcher', async () => {
  const { getServerUser } = require('../server.js')
  const { createProxyHandler } = require('../js/handler/proxy-handler.js')
  const victim = (await login()).token
  for (const sig of [undefined, '', 'forged', Buffer.from('x').toString('base64url')]) {
    const headers = { 'x-refreshed-token': victim }
    if (sig !== undefined) headers['x-refreshed-token-sig'] = sig
    const r = await getServerUser({ request: request('/', { headers }), apiBaseUrl: backend.url })
    assert.equal(r.user, null, `getServerUser with sig ${sig}`)
    const h = createProxyHandler({ apiBaseUrl: backend.url })
    const res = await h(new NextRequest(`${APP}/api/echo/x`, { headers }), {
      params: Promise.resolve({ path: ['echo', 'x'] }),
    })
    const seen = (await res.json()).data.headers
    assert.equal(seen.authorization, undefined, `catch-all with sig ${sig}`)
    const routes = createAuthRoutes({ apiBaseUrl: backend.url })
    const me = await routes.me(request('/api/auth/me', { headers }))
    assert.equal(me.status, 401, `auth routes me with sig ${sig}`)
  }
  // the proxy's own, signed header is believed
  const proxy = proxyFor()
  const { token } = await backend.mint({ sub: '1', ttl: -30 })
  const req = request('/dashboard', { cookie: `userToken=${token}` })
  const res = await proxy(req)
  const down = downstream(req, res)
  assert.ok(down.get('x-refreshed-token-sig'))
  // only the refreshed token and its signature: getServerUser must use the token itself
  const only = {
    'x-refreshed-token': down.get('x-refreshed-token'),
    'x-refreshed-token-sig': down.get('x-refreshed-token-sig'),
  }
  const r = await getServerUser({
    request: request('/', { headers: only }),
    apiBaseUrl: backend.url,
  })
  assert.ok(r.user, 'the signed refreshed token is used')
})

// ------------------------------------------------------------------ 9. method override

test('method override: the proxy judges it as the unsafe method, the catch-all never forwards it', async () => {
  const proxy = proxyFor({ csrf: { enabled: true, secret: 'x'.repeat(32) } })
  const variants = [
    { query: '?_method=PUT' },
    { query: '?a=1&_method=delete' },
    { headers: { 'x-http-method-override': 'PATCH' } },
    { headers: { 'x-http-method': 'DELETE' } },
    { headers: { 'x-method-override': 'post' } },
  ]
  for (const v of variants) {
    const res = await proxy(
      request(`/api/posts${v.query ?? ''}`, {
        headers: { 'sec-fetch-site': 'cross-site', ...(v.headers ?? {}) },
      }),
    )
    assert.equal(res.status, 403, JSON.stringify(v))
  }
  // a plain cross-site GET is still fine, and so is an override to a safe method
  for (const q of ['', '?_method=GET']) {
    const res = await proxy(
      request(`/api/posts${q}`, { headers: { 'sec-fetch-site': 'cross-site' } }),
    )
    assert.notEqual(res.status, 403, q)
  }
  const { createProxyHandler } = require('../js/handler/proxy-handler.js')
  const h = createProxyHandler({ apiBaseUrl: backend.url })
  for (const name of ['x-http-method-override', 'x-http-method', 'x-method-override']) {
    const res = await h(new NextRequest(`${APP}/api/echo/x`, { headers: { [name]: 'DELETE' } }), {
      params: Promise.resolve({ path: ['echo', 'x'] }),
    })
    const seen = (await res.json()).data.headers
    assert.equal(seen[name], undefined, name)
  }
  for (const q of ['?_method=PUT', '?x=1&_method=DELETE', '?_method=']) {
    const res = await h(new NextRequest(`${APP}/api/echo/x${q}`), {
      params: Promise.resolve({ path: ['echo', 'x'] }),
    })
    assert.equal(res.status, 400, q)
    assert.equal((await res.json()).code, 'ERR_METHOD_OVERRIDE')
  }
  // on an unsafe method the override header passes (the request is already checked as unsafe)
  const res = await h(
    new NextRequest(`${APP}/api/echo/x`, {
      method: 'POST',
      headers: { 'x-http-method-override': 'PUT', 'content-type': 'application/json' },
      body: '{}',
    }),
    { params: Promise.resolve({ path: ['echo', 'x'] }) },
  )
  assert.equal((await res.json()).data.headers['x-http-method-override'], 'PUT')
})

// ------------------------------------------------------------------ 10. path confinement

test('the catch-all refuses ;-parameters on dot segments and NFKC dot look-alikes', async () => {
  const { createProxyHandler } = require('../js/handler/proxy-handler.js')
  const h = createProxyHandler({ apiBaseUrl: `${backend.url}/api/v1` })
  const bad = [
    ['..;', 'admin'],
    ['..;jsessionid=1', 'admin'],
    ['.;', 'admin'],
    [';', 'admin'],
    ['\uff0e\uff0e', 'admin'],
    ['\uff0e', 'admin'],
    ['\u2025', 'admin'],
    ['..\uff1b', 'admin'],
    ['a\uff0fb'],
  ]
  for (const segs of bad) {
    const res = await h(new NextRequest(`${APP}/api/x`), {
      params: Promise.resolve({ path: segs }),
    })
    assert.equal(res.status, 400, JSON.stringify(segs))
  }
  for (const raw of ['/api/..;/admin', '/api/%2e%2e;/admin', '/api/%EF%BC%8E%EF%BC%8E/admin']) {
    const res = await h(new NextRequest(`${APP}${raw}`), {})
    assert.equal(res.status, 400, raw)
  }
  const ok = await h(new NextRequest(`${APP}/api/echo/a;v=1`), {
    params: Promise.resolve({ path: ['echo', 'a;v=1'] }),
  })
  assert.notEqual(ok.status, 400, 'a parameter on an ordinary name passes')
})

// ------------------------------------------------------------------ 11. forwarding headers

test('client forwarding headers are replaced (default), dropped or passed', async () => {
  const { createProxyHandler } = require('../js/handler/proxy-handler.js')
  const sent = {
    'x-forwarded-for': '6.6.6.6, 10.0.0.1',
    'x-real-ip': '6.6.6.6',
    forwarded: 'for=6.6.6.6;host=evil.com;proto=http',
    'x-forwarded-host': 'evil.com',
    'x-forwarded-proto': 'http',
    'x-forwarded-port': '1',
    'true-client-ip': '6.6.6.6',
    'cf-connecting-ip': '6.6.6.6',
  }
  const run = async (cfg) => {
    const h = createProxyHandler({ apiBaseUrl: backend.url, ...cfg })
    const res = await h(new NextRequest('https://app.test/api/echo/x', { headers: sent }), {
      params: Promise.resolve({ path: ['echo', 'x'] }),
    })
    return (await res.json()).data.headers
  }
  const replaced = await run({})
  assert.equal(replaced['x-forwarded-for'], undefined, 'no client address without a trusted proxy')
  assert.equal(replaced['x-forwarded-proto'], 'https')
  assert.equal(replaced['x-forwarded-host'], 'app.test')
  for (const k of [
    'x-real-ip',
    'forwarded',
    'x-forwarded-port',
    'true-client-ip',
    'cf-connecting-ip',
  ]) {
    assert.equal(replaced[k], undefined, k)
  }
  const trusted = await run({ trustedProxies: 1 })
  assert.equal(trusted['x-forwarded-for'], '10.0.0.1', 'the address the trusted proxy saw')
  const dropped = await run({ forwardedHeaders: 'drop' })
  for (const k of Object.keys(sent)) assert.equal(dropped[k], undefined, k)
  assert.equal(dropped['x-forwarded-proto'], undefined)
  const passed = await run({ forwardedHeaders: 'pass' })
  assert.equal(passed['x-forwarded-host'], 'evil.com')
  assert.throws(() => createProxyHandler({ apiBaseUrl: backend.url, forwardedHeaders: 'yes' }), {
    code: 'ERR_CONFIG_INVALID',
  })
})

// ------------------------------------------------------------------ 12. login limiter

test('auth routes limit login attempts per account + client, not one bucket for everyone', async () => {
  const routes = createAuthRoutes({ apiBaseUrl: backend.url, rateLimit: { maxRequests: 3 } })
  const attempt = (email, ip) =>
    routes.login(
      new NextRequest(`${APP}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(ip ? { 'x-forwarded-for': ip } : {}) },
        body: JSON.stringify({ email, password: 'wrong' }),
      }),
    )
  // an attacker hammering one account (no client address: bare next start)
  for (let i = 0; i < 3; i++) assert.notEqual((await attempt('victim@example.com')).status, 429)
  const limited = await attempt('VICTIM@example.com ')
  assert.equal(limited.status, 429)
  assert.ok(Number(limited.headers.get('retry-after')) >= 1)
  // everyone else still logs in
  const other = await routes.login(
    new NextRequest(`${APP}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'demo@example.com', password: 'password' }),
    }),
  )
  assert.equal(other.status, 200)
  assert.throws(() => createAuthRoutes({ apiBaseUrl: backend.url, rateLimit: { max: 1 } }), {
    code: 'ERR_CONFIG_INVALID',
  })
})

test('a rate limit without any client address is announced loudly at start-up', () => {
  const lines = []
  const orig = console.warn
  console.warn = (...a) => lines.push(a.join(' '))
  try {
    proxyFor({ rateLimit: { enabled: true } })
  } finally {
    console.warn = orig
  }
  const text = lines.join('\n')
  assert.match(text, /ONE rate-limit bucket/)
  assert.match(text, /trustedProxies/)
})

// ------------------------------------------------------------------ 14. __Host- cookies

test('cookies.hostPrefix names the auth cookies __Host-* with the attributes the prefix needs', async () => {
  const proxy = proxyFor({
    cookies: { hostPrefix: true },
    guestToken: { enabled: true, credentials: { username: 'guest', password: 'guest-secret' } },
  })
  const res = await proxy(request('/'))
  const set = res.headers.getSetCookie().find((c) => c.startsWith('__Host-guestToken='))
  assert.ok(set, res.headers.getSetCookie().join(' | '))
  assert.match(set, /; Path=\//)
  assert.match(set, /; Secure/)
  assert.doesNotMatch(set, /Domain=/)
  assert.throws(
    () => proxyFor({ cookies: { hostPrefix: true, options: { domain: 'example.com' } } }),
    { code: 'ERR_CONFIG_INVALID', message: /cookies.hostPrefix/ },
  )
})
