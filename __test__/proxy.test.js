// createAuthProxy and getServerUser with real NextRequest objects against the demo backend
// process (examples/backend/server.js on a random port), through the built native addon.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { NextRequest, NextResponse } = require('next/server')
const { startBackend } = require('../examples/backend/spawn.js')
const { authUser, downstream, downstreamUser, loginAt } = require('./helpers/next-proxy.js')
const { createAuthProxy } = require('../index.js')
const { getServerUser } = require('../server.js')
const { refreshedByProxy } = require('./helpers/refreshed.js')

let backend

before(async () => {
  backend = await startBackend()
})
after(async () => {
  await backend?.stop()
})

// Each test gets its own engine (distinct config), so caches never leak between tests.
let seq = 0
function proxyFor(extra = {}) {
  seq += 1
  return createAuthProxy({
    apiBaseUrl: backend.url,
    access: {
      protectedRoutes: ['/dashboard/**', '/api/profile/**'],
      authRoutes: ['/login'],
      publicRoutes: ['/api/posts/**'],
    },
    cache: { ttl: 60000, maxSize: 1000 + seq },
    ...extra,
  })
}

function request(path, { cookie, headers = {}, method = 'GET' } = {}) {
  const h = { 'user-agent': 'node-test', ...headers }
  if (cookie) h.cookie = cookie
  return new NextRequest(new URL(path, 'http://app.test'), { method, headers: h })
}

/** Logs in at the demo backend this file started. */
const login = (email) => loginAt(backend.url, email)

test('100 concurrent requests with one expired token: 1 refresh call, 100 successes', async () => {
  const proxy = proxyFor()
  const { token } = await backend.mint({ sub: '1', type: 'user', ttl: -30 })
  await backend.reset()
  const results = await Promise.all(
    Array.from({ length: 100 }, () =>
      proxy(request('/dashboard', { cookie: `userToken=${token}` })),
    ),
  )
  const fresh = new Set()
  for (const [i, res] of results.entries()) {
    assert.equal(res.headers.get('x-middleware-next'), '1', `request ${i} goes on`)
    const seen = downstream(request('/dashboard'), res)
    const t = seen.get('x-refreshed-token')
    assert.ok(t && t !== token, 'downstream gets the new token')
    fresh.add(t)
    assert.equal(authUser(seen).email, 'demo@example.com')
    assert.match(seen.get('cookie'), new RegExp(`userToken=${t}`), 'cookies() sees the new token')
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('userToken='))
    assert.match(setCookie, /HttpOnly/)
    assert.match(setCookie, /SameSite=Lax/)
    assert.match(setCookie, /Path=\//)
  }
  assert.equal(fresh.size, 1, 'every request got the same refreshed token')
  assert.equal(await backend.count('POST /auth/refresh'), 1, 'exactly one refresh call')
  assert.equal(await backend.count('GET /auth/me'), 1, 'one validation of the new token')
  const s = proxy.stats()
  assert.equal(s.backendRefreshCalls, 1)
  assert.ok(s.coalescedWaiters + s.graceHits >= 99)
})

test('refresh-cookie style: 100 concurrent requests, 1 refresh call, one rotated refresh token', async () => {
  const proxy = proxyFor({ refresh: { style: 'cookie' } })
  const { token, refresh_token } = await backend.mint({ sub: '2', ttl: -30 })
  await backend.reset()
  const cookie = `userToken=${token}; refreshToken=${refresh_token}`
  const results = await Promise.all(
    Array.from({ length: 100 }, () => proxy(request('/dashboard', { cookie }))),
  )
  const access = new Set()
  const rotated = new Set()
  for (const [i, res] of results.entries()) {
    assert.equal(res.headers.get('x-middleware-next'), '1', `request ${i} goes on`)
    const set = res.headers.getSetCookie()
    const u = set.find((c) => c.startsWith('userToken='))
    const r = set.find((c) => c.startsWith('refreshToken='))
    assert.ok(u && r, `request ${i} writes both cookies`)
    assert.match(r, /HttpOnly/)
    access.add(u.split(';')[0])
    rotated.add(r.split(';')[0])
    assert.equal(authUser(downstream(request('/dashboard'), res)).email, 'jane@example.com')
  }
  assert.equal(access.size, 1, 'every request got the same new access token')
  assert.equal(rotated.size, 1, 'every request got the same rotated refresh token')
  assert.notEqual([...rotated][0], `refreshToken=${refresh_token}`)
  assert.equal(await backend.count('POST /auth/refresh'), 1, 'exactly one refresh call')
  // the rotated refresh token is the live one at the backend
  const next = [...rotated][0].slice('refreshToken='.length)
  const again = await fetch(`${backend.url}/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: next }),
  })
  assert.equal(again.status, 200)
})

test('1000 requests with one valid token inside the TTL: 1 validate call', async () => {
  const proxy = proxyFor()
  const { token } = await login()
  await backend.reset()
  for (let i = 0; i < 1000; i += 1) {
    const res = await proxy(request('/dashboard', { cookie: `userToken=${token}` }))
    assert.equal(res.headers.get('x-middleware-next'), '1')
  }
  assert.equal(await backend.count('GET /auth/me'), 1)
  const s = proxy.stats()
  assert.equal(s.backendValidateCalls, 1)
  assert.ok(s.syncDecisions >= 999, `cache hits are answered synchronously (${s.syncDecisions})`)
})

test('a forged x-auth-user never reaches downstream, on every path', async () => {
  const forged = Buffer.from(JSON.stringify({ id: 1, role: 'admin', type: 'user' })).toString(
    'base64',
  )
  const evil = {
    'x-auth-user': forged,
    'x-auth-user-sig': 'evil',
    'x-refreshed-token': 'evil',
    'x-locale': 'xx',
  }
  const proxy = proxyFor({
    excludedPaths: ['/static/**'],
    beforeAuth: (req) => (req.nextUrl.pathname === '/early' ? NextResponse.next() : undefined),
    afterAuth: (req) => (req.nextUrl.pathname === '/replaced' ? NextResponse.next() : undefined),
  })
  const { token } = await login('jane@example.com')
  const cases = [
    ['/', undefined], // no token
    ['/api/posts', undefined], // public route
    ['/static/app.js', undefined], // excluded path
    ['/early', undefined], // beforeAuth response
    ['/replaced', undefined], // afterAuth response
    ['/', `userToken=${token}`], // signed in: our value, not theirs
    ['/replaced', `userToken=${token}`],
  ]
  for (const [path, cookie] of cases) {
    const req = request(path, { cookie, headers: evil })
    const res = await proxy(req)
    const seen = downstream(req, res)
    assert.notEqual(seen.get('x-auth-user'), forged, `${path} ${cookie ? 'signed in' : ''}`)
    assert.notEqual(seen.get('x-refreshed-token'), 'evil', path)
    assert.notEqual(seen.get('x-locale'), 'xx', path)
    assert.notEqual(seen.get('x-auth-user-sig'), 'evil', path)
    if (cookie) assert.equal(authUser(seen).email, 'jane@example.com', path)
    else assert.equal(seen.get('x-auth-user'), null, path)
  }
})

test('backend down: API gets 503 JSON, pages go on unauthenticated without deleting cookies', async () => {
  const proxy = proxyFor({ timeout: 1500 })
  const { token } = await login()
  await backend.faults({ me: { mode: 'down' } })
  try {
    const api = await proxy(request('/api/profile', { cookie: `userToken=${token}` }))
    assert.equal(api.status, 503)
    const body = await api.json()
    assert.equal(body.success, false)
    assert.equal(body.code, 'ERR_BACKEND_UNAVAILABLE')
    const page = await proxy(request('/', { cookie: `userToken=${token}` }))
    assert.equal(page.headers.get('x-middleware-next'), '1')
    assert.deepEqual(page.headers.getSetCookie(), [], 'no cookie is deleted')
    assert.equal(downstream(request('/'), page).get('x-auth-user'), null)
    await backend.faults({ me: { mode: 'hang' } })
    const slow = await proxy(request('/api/profile', { cookie: `userToken=${token}` }))
    assert.equal(slow.status, 503)
    assert.equal((await slow.json()).code, 'ERR_BACKEND_TIMEOUT')
    assert.ok(proxy.stats().backendErrors >= 2)
  } finally {
    await backend.reset()
  }
  // back up: the same cookie still works
  const ok = await proxy(request('/dashboard', { cookie: `userToken=${token}` }))
  assert.equal(ok.headers.get('x-middleware-next'), '1')
})

test('every config error throws with a stable code and names the option', () => {
  const cases = [
    [{}, /^apiBaseUrl/],
    [{ apiBaseUrl: 'not a url' }, /^apiBaseUrl/],
    [{ apiBaseUrl: 'http://' }, /^apiBaseUrl/],
    [{ apiBaseUrl: 'http://x', cache: { ttl: -1 } }, /^cache\.ttl must be a non-negative number/],
    [{ apiBaseUrl: 'http://x', guestToken: { ttl: -1 } }, /^guestToken\.ttl/],
    [
      {
        apiBaseUrl: 'http://x',
        responseMappers: { parseAuthMe: { user: { path: 'data', type: 'xpath' } } },
      },
      /^responseMappers\.parseAuthMe\.user\.type is an unknown mapper path type/,
    ],
    [
      { apiBaseUrl: 'http://x', access: { protectedRoutes: ['dashboard'] } },
      /^access\.protectedRoutes/,
    ],
    [{ apiBaseUrl: 'http://x', afterAuth: 'nope' }, /^afterAuth/],
  ]
  for (const [config, message] of cases) {
    assert.throws(
      () => createAuthProxy(config),
      (err) => {
        assert.ok(err instanceof Error)
        assert.equal(err.code, 'ERR_CONFIG_INVALID', JSON.stringify(config))
        assert.match(err.message, message)
        return true
      },
    )
  }
})

test('protected pages redirect to login with a same-origin return-to; API gets 401', async () => {
  const proxy = proxyFor()
  const res = await proxy(request('/dashboard/settings?tab=2'))
  assert.equal(res.status, 307)
  const loc = new URL(res.headers.get('location'))
  assert.equal(loc.origin, 'http://app.test')
  assert.equal(loc.pathname, '/login')
  assert.equal(loc.searchParams.get('returnTo'), '/dashboard/settings?tab=2')
  const api = await proxy(request('/api/profile'))
  assert.equal(api.status, 401)
  // signed-in users are sent away from auth routes (never off-site)
  const { token } = await login()
  const away = await proxy(request('/login?returnTo=//evil.com', { cookie: `userToken=${token}` }))
  assert.equal(new URL(away.headers.get('location')).href, 'http://app.test/')
})

test('first visit gets a guest cookie; guests are not users', async () => {
  const proxy = proxyFor({
    guestToken: { enabled: true, credentials: { username: 'guest', password: 'guest-secret' } },
  })
  await backend.reset()
  const res = await proxy(request('/'))
  const c = res.headers.getSetCookie().find((x) => x.startsWith('guestToken='))
  assert.ok(c, 'guest cookie set')
  assert.match(c, /Max-Age=3600/)
  assert.match(c, /HttpOnly/)
  const seen = downstream(request('/'), res)
  assert.equal(authUser(seen).type, 'guest')
  assert.equal(await backend.count('POST /auth/guest'), 1)
  const guestCookie = c.split(';')[0]
  const page = await proxy(request('/dashboard', { cookie: guestCookie }))
  assert.equal(page.status, 307, 'guests cannot enter protected pages')
})

test('cookies are Secure under NODE_ENV=production, and not in development', async () => {
  const env = process.env.NODE_ENV
  const guestCookieOf = async (nodeEnv) => {
    process.env.NODE_ENV = nodeEnv
    let proxy
    try {
      // the engine reads NODE_ENV once, at construction
      proxy = proxyFor({
        guestToken: { enabled: true, credentials: { username: 'guest', password: 'guest-secret' } },
      })
    } finally {
      if (env === undefined) delete process.env.NODE_ENV
      else process.env.NODE_ENV = env
    }
    const res = await proxy(request('/'))
    return res.headers.getSetCookie().find((c) => c.startsWith('guestToken='))
  }
  const prod = await guestCookieOf('production')
  assert.ok(prod, 'guest cookie set')
  assert.match(prod, /; Secure/)
  assert.match(prod, /HttpOnly/)
  assert.match(prod, /SameSite=Lax/)
  assert.match(prod, /Path=\//)
  const dev = await guestCookieOf('development')
  assert.ok(dev, 'guest cookie set')
  assert.doesNotMatch(dev, /Secure/)
})

test('function-valued response mappers run in JS', async () => {
  let calls = 0
  const proxy = proxyFor({
    responseMappers: {
      parseAuthMe: (body) => {
        calls += 1
        return { user: { ...body.data, mapped: true }, tokenType: body.data.type }
      },
    },
  })
  const { token } = await login()
  const req = request('/dashboard', { cookie: `userToken=${token}` })
  const res = await proxy(req)
  assert.equal(res.headers.get('x-middleware-next'), '1')
  assert.equal((await downstreamUser(req, res)).mapped, true)
  assert.equal(calls, 1)
  // a throwing mapper is backend trouble, not a rejection: nobody is logged out
  const broken = proxyFor({
    responseMappers: {
      parseAuthMe: () => {
        throw new Error('mapper bug')
      },
    },
  })
  const page = await broken(request('/', { cookie: `userToken=${token}` }))
  assert.deepEqual(page.headers.getSetCookie(), [])
  const api = await broken(request('/api/profile', { cookie: `userToken=${token}` }))
  assert.equal(api.status, 503)
})

test('afterAuth sees the auth result; i18n middleware keeps auth cookies and headers', async () => {
  let seen
  const proxy = proxyFor({
    i18n: {
      locales: ['en', 'de'],
      defaultLocale: 'en',
      middleware: () => {
        const r = NextResponse.next({ request: { headers: new Headers({ 'x-intl': 'de' }) } })
        r.cookies.set('NEXT_LOCALE', 'de')
        return r
      },
    },
    guestToken: { enabled: true, credentials: { username: 'guest', password: 'guest-secret' } },
    afterAuth: (_req, res, auth) => {
      seen = auth
      return res
    },
  })
  const req = request('/de/dashboard', { headers: { 'x-auth-user': 'forged' } })
  const res = await proxy(req)
  assert.equal(res.status, 307, 'guest is redirected')
  assert.equal(new URL(res.headers.get('location')).pathname, '/de/login')
  assert.equal(seen.isGuest, true)
  assert.equal(seen.locale, 'de')
  const page = await proxy(request('/de', { headers: { 'x-auth-user': 'forged' } }))
  const cookies = page.headers.getSetCookie()
  assert.ok(
    cookies.some((c) => c.startsWith('NEXT_LOCALE=')),
    'i18n cookie kept',
  )
  assert.ok(
    cookies.some((c) => c.startsWith('guestToken=')),
    'auth cookie kept',
  )
  const down = downstream(request('/de'), page)
  assert.equal(down.get('x-intl'), 'de', 'i18n request header kept')
  assert.equal(down.get('x-locale'), 'de')
  assert.equal(authUser(down).type, 'guest')
})

test('getServerUser: fast path from x-auth-user, fallback through the native engine', async () => {
  const { token } = await login()
  const proxy = proxyFor()
  const req = request('/dashboard', { cookie: `userToken=${token}` })
  const res = await proxy(req)
  // what a route handler behind the proxy receives
  const behind = new NextRequest('http://app.test/dashboard', { headers: downstream(req, res) })
  const fast = await getServerUser({ request: behind, apiBaseUrl: backend.url })
  assert.equal(fast.isAuthenticated, true)
  assert.equal(fast.user.email, 'demo@example.com')
  assert.equal(fast.token, token)
  await backend.reset()
  const slow = await getServerUser({
    request: request('/x', { cookie: `userToken=${token}` }),
    apiBaseUrl: backend.url,
    skipHeader: true,
  })
  assert.equal(slow.user.email, 'demo@example.com')
  assert.equal(slow.isGuest, false)
  const none = await getServerUser({ request: request('/x'), apiBaseUrl: backend.url })
  assert.deepEqual(none, { user: null, isAuthenticated: false, isGuest: false, token: null })
  // a forged x-auth-user on a route the proxy did not run on is never believed
  const forged = Buffer.from(JSON.stringify({ id: 1, role: 'admin', type: 'user' })).toString(
    'base64',
  )
  for (const sig of [undefined, 'forged', downstream(req, res).get('x-auth-user-sig')]) {
    const headers = { 'x-auth-user': forged }
    if (sig) headers['x-auth-user-sig'] = sig
    const r = await getServerUser({ request: request('/x', { headers }), apiBaseUrl: backend.url })
    assert.equal(r.user, null, `sig ${sig}`)
    assert.equal(r.isAuthenticated, false)
  }
})

test('getServerUser fallback is cached natively; isGuestFn, validateEndpoint, parseResponse', async () => {
  const { token } = await login('jane@example.com')
  await backend.reset()
  const opts = () => ({
    request: request('/x', { cookie: `userToken=${token}` }),
    apiBaseUrl: backend.url,
    skipHeader: true,
  })
  const a = await getServerUser(opts())
  const b = await getServerUser(opts())
  assert.equal(a.user.email, 'jane@example.com')
  assert.deepEqual(b, a)
  assert.equal(await backend.count('GET /auth/me'), 1, 'the second call is a native cache hit')
  // isGuestFn decides who is a guest
  const g = await getServerUser({ ...opts(), isGuestFn: (u) => u.role === 'user' })
  assert.equal(g.isGuest, true)
  assert.equal(g.isAuthenticated, false)
  assert.equal(g.user.email, 'jane@example.com')
  // another validate endpoint, read by a JS mapper (the demo backend echoes the request)
  const custom = await getServerUser({
    ...opts(),
    validateEndpoint: 'echo/whoami',
    parseResponse: (body) => ({
      user: { id: 'echoed', path: body.data.path, bearer: body.data.headers.authorization },
      tokenType: 'user',
    }),
  })
  assert.equal(custom.isAuthenticated, true)
  assert.equal(custom.user.id, 'echoed')
  assert.equal(custom.user.path, '/echo/whoami')
  assert.equal(custom.user.bearer, `Bearer ${token}`)
})

test('blockBrowserApiAccess refuses browser navigations to API routes only', async () => {
  const proxy = proxyFor({ blockBrowserApiAccess: true })
  const nav = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', accept: 'text/html' }
  const blocked = await proxy(request('/api/posts', { headers: nav }))
  assert.equal(blocked.status, 403)
  assert.equal((await blocked.json()).success, false)
  const fetchCall = await proxy(
    request('/api/posts', { headers: { 'sec-fetch-mode': 'cors', accept: 'application/json' } }),
  )
  assert.equal(fetchCall.headers.get('x-middleware-next'), '1')
  const page = await proxy(request('/', { headers: nav }))
  assert.equal(page.headers.get('x-middleware-next'), '1')
})

test('getServerToken and isAuthenticatedServer follow the token cascade', async () => {
  const { getServerToken, isAuthenticatedServer } = require('../server.js')
  const { token } = await login('jane@example.com')
  const opts = (req) => ({ request: req, apiBaseUrl: backend.url })
  const withBoth = request('/x', { cookie: `guestToken=g; userToken=${token}` })
  assert.equal(await getServerToken(opts(withBoth)), token)
  assert.equal(await isAuthenticatedServer(opts(withBoth)), true)
  // the proxy's signed x-refreshed-token wins; a client-sent one (unsigned) is not believed
  const { fresh, sig } = await refreshedByProxy(backend)
  const refreshed = request('/x', {
    cookie: `userToken=${token}`,
    headers: { 'x-refreshed-token': fresh, 'x-refreshed-token-sig': sig },
  })
  assert.equal(await getServerToken(opts(refreshed)), fresh)
  const forged = request('/x', {
    cookie: `userToken=${token}`,
    headers: { 'x-refreshed-token': 'newer', 'x-refreshed-token-sig': sig },
  })
  assert.equal(await getServerToken(opts(forged)), token)
  const guestOnly = request('/x', { cookie: 'guestToken=g' })
  assert.equal(await getServerToken(opts(guestOnly)), 'g')
  assert.equal(await isAuthenticatedServer(opts(guestOnly)), false)
  assert.equal(await getServerToken(opts(request('/x'))), null)
})

test('one engine per configuration, also with inline mapper functions', () => {
  const { getEngine } = require('../js/shared/engine.js')
  const base = { apiBaseUrl: backend.url, cache: { maxSize: 4242 } }
  const a = getEngine(base)
  assert.equal(getEngine({ ...base }), a, 'same declarative config, same engine')
  assert.notEqual(getEngine({ ...base, timeout: 1234 }), a)
  const inline = () => getEngine({ ...base, responseMappers: { parseAuthMe: (b) => b.data } })
  const m = inline()
  assert.notEqual(m, a)
  assert.equal(inline(), m, 'an inline mapper recreated per call reuses the engine')
})

test("userHeader 'auto': an unchanged request goes on bare; downstream reads the proxy's engine", async () => {
  // custom cookie names: getServerUser() without options finds them through the proxy's engine
  const proxy = proxyFor({ cookies: { user: 'sid', guest: 'gid' } })
  const { token } = await login('jane@example.com')
  const req = request('/dashboard', { cookie: `sid=${token}` })
  const res = await proxy(req)
  assert.equal(res.headers.get('x-middleware-next'), '1')
  assert.equal(res.headers.get('x-middleware-override-headers'), null, 'no header rebuild')
  await backend.reset()
  const seen = await getServerUser({ request: new NextRequest(req.url, { headers: req.headers }) })
  assert.equal(seen.user?.email, 'jane@example.com')
  assert.equal(seen.isAuthenticated, true)
  assert.equal(seen.token, token)
  assert.equal(await backend.count('GET /auth/me'), 0, 'the cache judged it: no backend call')
  // a token the proxy never saw is not believed from any cache
  const other = await login('demo@example.com')
  const none = await getServerUser({
    request: new NextRequest(req.url, { headers: { cookie: `sid=${other.token}` } }),
  })
  assert.notEqual(none.user?.email, 'jane@example.com')
})

test("userHeader 'auto': a client's internal header makes the proxy rewrite, with the signed user", async () => {
  const proxy = proxyFor()
  const { token } = await login('jane@example.com')
  for (const name of ['x-auth-user', 'X-Auth-User-Sig', 'x-refreshed-token', 'x-locale']) {
    const req = request('/dashboard', {
      cookie: `userToken=${token}`,
      headers: { [name]: 'forged' },
    })
    const res = await proxy(req)
    const down = downstream(req, res)
    assert.equal(down.get(name) === 'forged', false, `${name} stripped`)
    assert.equal(authUser(down)?.email, 'jane@example.com', `${name}: the signed user goes along`)
    assert.ok(down.get('x-auth-user-sig'))
  }
  // without a session the forged header is still stripped (no user to add)
  const req = request('/', { headers: { 'x-auth-user': 'forged' } })
  const down = downstream(req, await proxy(req))
  assert.equal(down.get('x-auth-user'), null)
})

test("userHeader 'always' (and cache.ttl 0) send the signed user on an unchanged request", async () => {
  const { token } = await login('jane@example.com')
  for (const extra of [{ userHeader: 'always' }, { cache: { ttl: 0 } }]) {
    const proxy = proxyFor(extra)
    const req = request('/dashboard', { cookie: `userToken=${token}` })
    await proxy(req) // a cache miss first, then the answer under test
    const res = await proxy(request('/dashboard', { cookie: `userToken=${token}` }))
    assert.equal(authUser(downstream(req, res))?.email, 'jane@example.com', JSON.stringify(extra))
  }
  assert.throws(() => proxyFor({ userHeader: 'header' }), /userHeader must be 'auto' or 'always'/)
})
