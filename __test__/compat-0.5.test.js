// next-api-layer 0.2.4–0.5 as a drop-in: its default contract, its options and behaviours,
// each written from the original's documented behaviour (its types, sources and changelog)
// and checked through createAuthProxy with real NextRequests against a real HTTP backend
// (a throwaway node:http server on 127.0.0.1, scripted per test).

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const { spawnSync } = require('node:child_process')
const { createHash } = require('node:crypto')
const { NextRequest, NextResponse } = require('next/server')
const api = require('../index.js')
const { createAuthProxy } = api

// ---------------------------------------------------------------- the backend

const now = () => Math.floor(Date.now() / 1000)
let server
let base
/** What the backend does and saw; reset by `script()`. */
let state

function script(over = {}) {
  state = {
    calls: { me: 0, refresh: 0, guest: 0 },
    refreshAuth: [],
    refreshBodies: [],
    // token -> auth/me answer body (or a status number)
    me: (token) => {
      if (token.startsWith('valid'))
        return { success: true, data: { id: 7, name: 'Ada', type: 'user', exp: now() + 3600 } }
      if (token.startsWith('soon'))
        return { success: true, data: { id: 7, type: 'user', exp: now() + 60 } }
      if (token.startsWith('guest'))
        return { success: true, data: { type: 'guest', exp: now() + 3600 } }
      return 401
    },
    refresh: () => [
      200,
      { success: true, data: { accessToken: `valid-new-${state.calls.refresh}` } },
    ],
    guest: () => [200, { success: true, data: { accessToken: `guest-${state.calls.guest}` } }],
    ...over,
  }
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

before(async () => {
  script()
  server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (c) => {
      raw += c
    })
    req.on('end', () => {
      const bearer = (req.headers.authorization || '').replace(/^Bearer /, '')
      const body = raw ? JSON.parse(raw) : {}
      if (req.url === '/auth/me') {
        state.calls.me += 1
        const out = state.me(bearer)
        return typeof out === 'number' ? send(res, out, { success: false }) : send(res, 200, out)
      }
      if (req.url === '/auth/refresh') {
        state.calls.refresh += 1
        state.refreshAuth.push(bearer)
        state.refreshBodies.push(body)
        const [status, out] = state.refresh(bearer, body)
        return send(res, status, out)
      }
      if (req.url === '/auth/guest') {
        state.calls.guest += 1
        const [status, out] = state.guest(body)
        return send(res, status, out)
      }
      send(res, 404, {})
    })
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${server.address().port}`
})

after(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

// ---------------------------------------------------------------- helpers

// Each proxy gets a config of its own, so engines (and their caches) are never shared.
let seq = 0
function proxy(extra = {}) {
  seq += 1
  return createAuthProxy({
    apiBaseUrl: base,
    access: { protectedRoutes: ['/dashboard/**'], authRoutes: ['/login'] },
    cache: { maxSize: 5000 + seq },
    ...extra,
  })
}

function request(path, { cookie, headers = {}, method = 'GET' } = {}) {
  const h = { 'user-agent': 'compat-test', ...headers }
  if (cookie) h.cookie = cookie
  return new NextRequest(new URL(path, 'http://app.test'), { method, headers: h })
}

/** name -> the full Set-Cookie line */
function cookies(res) {
  const out = {}
  for (const line of res.headers.getSetCookie()) out[line.slice(0, line.indexOf('='))] = line
  return out
}
const cookieValue = (line) => line?.slice(line.indexOf('=') + 1).split(';')[0]
const deleted = (line) => Boolean(line) && /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(line)

function downstream(res) {
  const list = res.headers.get('x-middleware-override-headers')
  const out = new Headers()
  for (const name of (list || '').split(',').filter(Boolean)) {
    const v = res.headers.get(`x-middleware-request-${name}`)
    if (v !== null) out.set(name, v)
  }
  return out
}

async function capture(method, fn) {
  const original = console[method]
  const lines = []
  console[method] = (...a) => lines.push(a.join(' '))
  try {
    await fn()
  } finally {
    console[method] = original
  }
  return lines
}

// ---------------------------------------------------------------- defaults: the contract

test('zero config: refresh and guest answers are read from data.accessToken', async () => {
  script()
  const p = proxy({ guestToken: { enabled: true, credentials: { username: 'g', password: 'g' } } })
  const r1 = await p(request('/', { cookie: 'userToken=expired-1' }))
  assert.equal(state.calls.refresh, 1)
  assert.equal(cookieValue(cookies(r1).userToken), 'valid-new-1')
  const r2 = await p(request('/'))
  assert.equal(state.calls.guest, 1)
  assert.equal(cookieValue(cookies(r2).guestToken), 'guest-1')
})

test('function mappers: a string from parseRefreshToken, a TokenInfo from parseAuthMe', async () => {
  script({
    me: (t) => (t === 'jwt-ok' ? { ok: 1, who: { id: 3 }, role: 'admin' } : { ok: 0 }),
    refresh: () => [200, { jwt: 'jwt-ok' }],
  })
  let seen
  const p = proxy({
    access: { protectedRoutes: ['/dashboard/**'], allowedTokenTypes: ['admin'] },
    responseMappers: {
      parseAuthMe: (b) => ({
        isValid: b.ok === 1,
        tokenType: b.role ?? null,
        exp: null,
        userData: b.who ?? null,
      }),
      parseRefreshToken: (b) => b.jwt ?? null,
    },
    afterAuth: (_req, res, auth) => {
      seen = auth
      return res
    },
  })
  const res = await p(request('/dashboard', { cookie: 'userToken=jwt-old' }))
  assert.equal(res.status, 200, 'isValid: false for the old token, refreshed to an admin')
  assert.equal(cookieValue(cookies(res).userToken), 'jwt-ok')
  assert.equal(seen.isAuthenticated, true)
  assert.equal(seen.tokenType, 'admin')
  assert.equal(seen.user.id, 3)
})

test('csrf.secret shorter than 32 characters: a warning outside production, refused in production', () => {
  // The warning is written by the engine to the process's stderr: run it in a child process.
  const script = `require(${JSON.stringify(require.resolve('../index.js'))}).createAuthProxy({
    apiBaseUrl: 'http://127.0.0.1:9', csrf: { enabled: true, secret: 'dev-secret' }, production: false })`
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
  assert.equal(child.status, 0, child.stderr)
  assert.match(child.stderr, /csrf\.secret is shorter than 32 characters/)
  assert.throws(
    () => proxy({ csrf: { enabled: true, secret: 'dev-secret' }, production: true }),
    (e) => e.code === 'ERR_CONFIG_INVALID' && e.message.startsWith('csrf.secret'),
  )
})

// ---------------------------------------------------------------- dual-token

for (const [name, extra] of [
  ['cookies.refresh + refreshOptions', {}],
  [
    'with parseNewRefreshToken',
    { responseMappers: { parseNewRefreshToken: (b) => b.data.rotated } },
  ],
]) {
  test(`dual-token mode (${name}): refresh with the refresh cookie, rotate both`, async () => {
    script({
      refresh: () => [
        200,
        { success: true, data: { accessToken: 'valid-at2', refreshToken: 'rt2', rotated: 'rt2' } },
      ],
    })
    const p = proxy({
      cookies: {
        user: 'at',
        guest: 'gt',
        refresh: 'rt',
        refreshOptions: { path: '/api/auth/refresh', maxAge: 1209600 },
      },
      ...extra,
    })
    const res = await p(request('/account', { cookie: 'at=old-at; rt=rt1' }))
    assert.deepEqual(
      state.refreshAuth,
      ['rt1'],
      'the refresh cookie is the Bearer, not the access token',
    )
    const c = cookies(res)
    assert.equal(cookieValue(c.at), 'valid-at2')
    assert.equal(cookieValue(c.rt), 'rt2')
    assert.match(c.rt, /Path=\/api\/auth\/refresh/)
    assert.match(c.rt, /Max-Age=1209600/)
    assert.match(c.at, /Path=\/;/)
  })
}

test("refresh.style: 'cookie' is the same machinery as cookies.refresh", async () => {
  script({
    refresh: () => [200, { success: true, data: { accessToken: 'valid-x', refreshToken: 'r2' } }],
  })
  const p = proxy({ refresh: { style: 'cookie', cookie: 'rt' } })
  const res = await p(request('/', { cookie: 'userToken=old; rt=r1' }))
  assert.deepEqual(state.refreshAuth, ['r1'])
  assert.equal(state.refreshBodies[0].refresh_token, 'r1')
  assert.equal(cookieValue(cookies(res).rt), 'r2')
  assert.throws(
    () => proxy({ cookies: { refresh: 'rt' }, refresh: { style: 'bearer' } }),
    (e) => e.code === 'ERR_CONFIG_INVALID' && e.message.startsWith('refresh.style'),
  )
})

// ---------------------------------------------------------------- refresh behaviour

test('refresh.singleFlight: concurrent refreshes of one token share one call unless turned off', async () => {
  script()
  const on = proxy()
  await Promise.all(
    Array.from({ length: 5 }, () => on(request('/', { cookie: 'userToken=expired-sf' }))),
  )
  assert.equal(state.calls.refresh, 1)
  script()
  const off = proxy({ refresh: { singleFlight: false } })
  await Promise.all(
    Array.from({ length: 5 }, () => off(request('/', { cookie: 'userToken=expired-sf2' }))),
  )
  assert.equal(state.calls.refresh, 5)
})

test('refresh.proactive + proactiveWindow: refresh a valid token close to expiry', async () => {
  script()
  const res = await proxy({ refresh: { proactive: true } })(
    request('/', { cookie: 'userToken=soon-1' }),
  )
  assert.equal(state.calls.refresh, 1, 'exp in 60 s is inside the default 120 s window')
  assert.equal(cookieValue(cookies(res).userToken), 'valid-new-1')
  script()
  await proxy({ refresh: { proactive: true, proactiveWindow: 30 } })(
    request('/', { cookie: 'userToken=soon-2' }),
  )
  await proxy()(request('/', { cookie: 'userToken=soon-3' }))
  assert.equal(state.calls.refresh, 0, 'outside the window, and off by default')
})

for (const [name, answer, extra] of [
  ['409 (reuseStatusCodes default)', [409, {}], {}],
  ["{ code: 'token_reuse' } (reuseCodes default)", [400, { code: 'token_reuse' }], {}],
  ['a custom reuseStatusCodes', [418, {}], { reuseStatusCodes: [418] }],
  [
    'classifyFail',
    [400, { why: 'replay' }],
    {
      classifyFail: ({ status, body }) =>
        status === 400 && body.why === 'replay' ? 'reuse' : undefined,
    },
  ],
]) {
  test(`token reuse fails closed: ${name}`, async () => {
    script({ refresh: () => answer })
    const reasons = []
    const events = []
    const p = proxy({
      guestToken: { enabled: true, credentials: {} },
      refresh: { ...extra, onRefreshFail: (reason) => reasons.push(reason) },
      audit: { enabled: true, logger: (e) => events.push(e) },
    })
    const res = await p(request('/account', { cookie: 'userToken=stolen; guestToken=guest-old' }))
    assert.equal(res.status, 307)
    assert.match(res.headers.get('location'), /^http:\/\/app\.test\/login/)
    const c = cookies(res)
    assert.ok(deleted(c.userToken) && deleted(c.guestToken), res.headers.getSetCookie().join('\n'))
    assert.equal(state.calls.guest, 0, 'never downgraded to a guest')
    assert.deepEqual(reasons, ['reuse'])
    await new Promise((r) => setTimeout(r, 100))
    assert.ok(
      events.some((e) => e.type === 'auth:reuse'),
      JSON.stringify(events.map((e) => e.type)),
    )
    const apiRes = await p(request('/api/things', { cookie: 'userToken=stolen-2' }))
    assert.equal(apiRes.status, 401)
    assert.equal((await apiRes.json()).message, 'Session expired')
  })
}

test('onRefreshFail reasons: 401 expired, 403 revoked; the default falls back to a guest', async () => {
  for (const [status, reason] of [
    [401, 'expired'],
    [403, 'revoked'],
    [400, 'unknown'],
  ]) {
    script({ refresh: () => [status, {}] })
    const reasons = []
    const p = proxy({
      guestToken: { enabled: true, credentials: {} },
      refresh: { onRefreshFail: (r, req) => reasons.push([r, req.nextUrl.pathname]) },
    })
    const res = await p(request('/account', { cookie: 'userToken=old' }))
    assert.deepEqual(reasons, [[reason, '/account']])
    assert.equal(res.status, 200, 'access.guestFallbackOnUserRefreshFail defaults to true')
    assert.equal(state.calls.guest, 1)
    assert.ok(deleted(cookies(res).userToken))
    assert.equal(cookieValue(cookies(res).guestToken), 'guest-1')
  }
})

test('access.guestFallbackOnUserRefreshFail: false forces login and never creates a guest', async () => {
  script({ refresh: () => [401, {}] })
  const reasons = []
  const p = proxy({
    access: { guestFallbackOnUserRefreshFail: false },
    guestToken: { enabled: true, credentials: {} },
    refresh: { onRefreshFail: (r) => reasons.push(r) },
  })
  const res = await p(request('/account', { cookie: 'userToken=old' }))
  assert.equal(res.status, 307)
  assert.match(res.headers.get('location'), /\/login/)
  assert.equal(state.calls.guest, 0)
  assert.deepEqual(reasons, ['expired'])
})

test('refresh.store: a result stored by one instance is reused by another', async () => {
  script()
  const map = new Map()
  const ttls = []
  const store = {
    get: async (k) => map.get(k) ?? null,
    set: async (k, v, ttl) => {
      ttls.push(ttl)
      map.set(k, v)
    },
  }
  const a = proxy({ refresh: { store, storeTtlMs: 5000 } })
  const b = proxy({ refresh: { store, storeTtlMs: 5000 } })
  const r1 = await a(request('/', { cookie: 'userToken=old-shared' }))
  assert.equal(state.calls.refresh, 1)
  const key = createHash('sha256').update('old-shared').digest('hex')
  const stored = map.get(key)
  assert.equal(stored.accessToken, cookieValue(cookies(r1).userToken))
  assert.ok(stored.expiresAt > Date.now() && stored.expiresAt <= Date.now() + 5000)
  assert.deepEqual(ttls, [5000])
  assert.equal(
    [...map.keys()].some((k) => k.includes('old-shared')),
    false,
    'keys are hashes',
  )

  const r2 = await b(request('/', { cookie: 'userToken=old-shared' }))
  assert.equal(state.calls.refresh, 1, 'the second instance did not refresh again')
  assert.equal(cookieValue(cookies(r2).userToken), stored.accessToken)
  assert.match(downstream(r2).get('cookie'), new RegExp(`userToken=${stored.accessToken}`))

  // An entry past its expiresAt is ignored, whatever the store's TTL did.
  map.set(createHash('sha256').update('old-late').digest('hex'), {
    accessToken: 'valid-stale',
    expiresAt: Date.now() - 1,
  })
  await b(request('/', { cookie: 'userToken=old-late' }))
  assert.equal(state.calls.refresh, 2)
})

test('refresh.store that throws is reported through onError and the request goes on', async () => {
  script()
  const errors = []
  const p = proxy({
    onError: (e) => errors.push(e.message),
    refresh: {
      store: {
        get: () => {
          throw new Error('store down')
        },
        set: async () => {
          throw new Error('store still down')
        },
      },
    },
  })
  const res = await p(request('/', { cookie: 'userToken=old-x' }))
  assert.equal(cookieValue(cookies(res).userToken), 'valid-new-1')
  assert.deepEqual(errors, ['store down', 'store still down'])
})

// ---------------------------------------------------------------- routes

test('authApi.bypassPaths: no refresh, no guest, no 401; AuthResult.bypassed says why', async () => {
  script()
  const seen = []
  const p = proxy({
    guestToken: { enabled: true, credentials: {} },
    excludedPaths: ['/health'],
    afterAuth: (_req, res, auth) => {
      seen.push(auth.bypassed)
      return res
    },
  })
  const res = await p(
    request('/api/auth/refresh', { cookie: 'userToken=expired-b', method: 'POST' }),
  )
  assert.equal(res.status, 200)
  assert.equal(
    state.calls.refresh,
    0,
    'the refresh route refreshes itself; the proxy does not rotate first',
  )
  assert.equal(state.calls.guest, 0)
  assert.deepEqual(res.headers.getSetCookie(), [])
  await p(request('/health'))
  await p(request('/'))
  assert.deepEqual(seen, ['auth-api', 'excluded', undefined])
  // A custom list replaces the default one.
  script()
  const q = proxy({ authApi: { bypassPaths: ['/api/session'] } })
  const r = await q(request('/api/auth/refresh', { cookie: 'userToken=expired-c', method: 'POST' }))
  assert.equal(state.calls.refresh, 1)
  assert.equal(r.status, 200)
})

test('an API route with no token and no guest gets 401 JSON', async () => {
  script({ guest: () => [401, {}] })
  const res = await proxy()(request('/api/things'))
  assert.equal(res.status, 401)
  assert.deepEqual(await res.json(), { success: false, message: 'Token not found' })
  const guestDown = await proxy({ guestToken: { enabled: true, credentials: {} } })(
    request('/api/things'),
  )
  assert.equal(guestDown.status, 401, 'the guest endpoint said no')
  script()
  const ok = await proxy({ guestToken: { enabled: true, credentials: {} } })(request('/api/things'))
  assert.equal(ok.status, 200)
  assert.equal(cookieValue(cookies(ok).guestToken), 'guest-1')
})

// ---------------------------------------------------------------- rate limit

test('rateLimit.skipPrefetch: prefetches are not counted (GET/HEAD only), unless turned off', async () => {
  const prefetch = [
    { 'next-router-prefetch': '1' },
    { 'sec-purpose': 'prefetch;prerender' },
    { purpose: 'prefetch' },
    { 'x-purpose': 'prefetch' },
    { 'x-moz': 'prefetch' },
  ]
  const p = proxy({ rateLimit: { maxRequests: 2 } })
  for (const headers of prefetch) assert.equal((await p(request('/', { headers }))).status, 200)
  assert.equal((await p(request('/'))).status, 200)
  assert.equal((await p(request('/', { method: 'POST', headers: prefetch[0] }))).status, 200)
  assert.equal((await p(request('/'))).status, 429, 'two counted: the navigation and the POST')
  const q = proxy({ rateLimit: { maxRequests: 2, skipPrefetch: false } })
  await q(request('/', { headers: prefetch[0] }))
  await q(request('/', { headers: prefetch[0] }))
  assert.equal((await q(request('/', { headers: prefetch[0] }))).status, 429)
})

test('rateLimit.ipHeaders: believed with trustedProxies, ignored without', async () => {
  const trusted = proxy({ rateLimit: { maxRequests: 1, trustedProxies: 1 } })
  const ip = (v) => ({ headers: { 'cf-connecting-ip': v, 'x-forwarded-for': '9.9.9.9' } })
  assert.equal((await trusted(request('/', ip('1.1.1.1')))).status, 200)
  assert.equal(
    (await trusted(request('/', ip('2.2.2.2')))).status,
    200,
    'cf-connecting-ip is the key',
  )
  assert.equal((await trusted(request('/', ip('1.1.1.1')))).status, 429)
  const custom = proxy({
    rateLimit: { maxRequests: 1, trustedProxies: 1, ipHeaders: ['x-client'] },
  })
  assert.equal((await custom(request('/', { headers: { 'x-client': '3.3.3.3' } }))).status, 200)
  assert.equal((await custom(request('/', { headers: { 'x-client': '4.4.4.4' } }))).status, 200)
  const warned = await capture('warn', async () => {
    const untrusted = proxy({ rateLimit: { maxRequests: 1, ipHeaders: ['cf-connecting-ip'] } })
    assert.equal((await untrusted(request('/', ip('5.5.5.5')))).status, 200)
    assert.equal(
      (await untrusted(request('/', ip('6.6.6.6')))).status,
      429,
      'a client cannot pick its key',
    )
  })
  assert.ok(
    warned.some((l) => l.includes('rateLimit.ipHeaders is ignored')),
    warned.join('\n'),
  )
})

// ---------------------------------------------------------------- exports

test('root exports: getClientIp, isPrefetchRequest and the constants, with the original values', () => {
  assert.deepEqual(
    [...api.DEFAULT_IP_HEADERS],
    ['cf-connecting-ip', 'true-client-ip', 'x-real-ip', 'x-forwarded-for'],
  )
  const req = (h) => new NextRequest('http://app.test/', { headers: h })
  assert.equal(
    api.getClientIp(req({ 'x-forwarded-for': '1.1.1.1, 2.2.2.2', 'x-real-ip': '3.3.3.3' })),
    '3.3.3.3',
  )
  assert.equal(api.getClientIp(req({ 'x-forwarded-for': ' 1.1.1.1 , 2.2.2.2' })), '1.1.1.1')
  assert.equal(api.getClientIp(req({ 'x-real-ip': '3.3.3.3' }), ['x-forwarded-for']), null)
  assert.equal(api.isPrefetchRequest(req({ 'next-router-prefetch': '1' })), true)
  assert.equal(api.isPrefetchRequest(req({ 'sec-purpose': 'prefetch' })), true)
  assert.equal(api.isPrefetchRequest(req({ 'next-router-prefetch': '0' })), false)
  assert.deepEqual(api.DEFAULT_ENDPOINTS, {
    validate: 'auth/me',
    refresh: 'auth/refresh',
    guest: 'auth/guest',
  })
  assert.deepEqual(
    { ...api.DEFAULT_COOKIE_OPTIONS, secure: undefined },
    { httpOnly: true, secure: undefined, sameSite: 'lax', path: '/', maxAge: 604800 },
  )
  assert.deepEqual(api.HEADERS, {
    AUTH_USER: 'x-auth-user',
    REFRESHED_TOKEN: 'x-refreshed-token',
    AUTHORIZATION: 'Authorization',
    CONTENT_TYPE: 'Content-Type',
    SKIP_AUTH: 'x-skip-auth',
    LOCALE: 'x-locale',
  })
  assert.deepEqual(api.TOKEN_TYPES, { GUEST: 'guest' })
  assert.deepEqual([...api.CSRF_SAFE_METHODS], ['GET', 'HEAD', 'OPTIONS'])
  assert.equal(api.DEFAULT_CSRF_CONFIG.cookieName, '__csrf')
  assert.equal(api.DEFAULT_CSRF_CONFIG.headerName, 'x-csrf-token')
  assert.equal(api.DEFAULT_RATE_LIMIT_CONFIG.windowMs, 60000)
  assert.equal(api.DEFAULT_RATE_LIMIT_CONFIG.maxRequests, 100)
  assert.equal(api.DEFAULT_RATE_LIMIT_CONFIG.skipPrefetch, true)
  assert.equal(api.ERROR_MESSAGES.NO_TOKEN, 'Token not found.')
  assert.ok(api.DEFAULT_AUDIT_CONFIG.events.includes('csrf:fail'))
})

// ---------------------------------------------------------------- hooks, errors, i18n, cookies

test('onError is called for backend and hook errors', async () => {
  const errors = []
  const down = createAuthProxy({
    apiBaseUrl: 'http://127.0.0.1:9',
    cache: { maxSize: 9000 + ++seq },
    onError: (e) => errors.push(e.code),
  })
  await capture('error', async () => {
    const res = await down(request('/', { cookie: 'userToken=valid-1' }))
    assert.equal(res.status, 200, 'pages go on')
  })
  assert.deepEqual(errors, ['ERR_BACKEND_UNAVAILABLE'])
  const seen = []
  const p = proxy({
    onError: (e) => seen.push(e.message),
    afterAuth: () => {
      throw new Error('hook broke')
    },
  })
  await assert.rejects(p(request('/')), /hook broke/)
  assert.deepEqual(seen, ['hook broke'])
})

test('i18n: the middleware response is merged on auth redirects; x-locale only with a session', async () => {
  script()
  const p = proxy({
    i18n: {
      locales: ['en', 'de'],
      defaultLocale: 'en',
      middleware: () => {
        const r = NextResponse.next()
        r.cookies.set('NEXT_LOCALE', 'de')
        return r
      },
    },
  })
  const res = await p(request('/de/dashboard'))
  assert.equal(res.status, 307)
  assert.match(res.headers.get('location'), /\/de\/login/)
  assert.equal(cookieValue(cookies(res).NEXT_LOCALE), 'de')
  const anon = await p(request('/de/about'))
  assert.equal(downstream(anon).get('x-locale'), null)
  const user = await p(request('/de/about', { cookie: 'userToken=valid-l' }))
  assert.equal(downstream(user).get('x-locale'), 'de')
})

test('afterAuth that sets a cookie through res.cookies keeps the layer cookies', async () => {
  script()
  let seenInHook
  const p = proxy({
    afterAuth: (_req, res) => {
      seenInHook = res.cookies.get('userToken')?.value
      res.cookies.set('theme', 'dark')
      return res
    },
  })
  const res = await p(request('/', { cookie: 'userToken=expired-ck' }))
  const c = cookies(res)
  assert.equal(seenInHook, 'valid-new-1', 'res.cookies sees the refreshed token')
  assert.equal(cookieValue(c.userToken), 'valid-new-1')
  assert.match(c.userToken, /HttpOnly/)
  assert.equal(cookieValue(c.theme), 'dark')
})

test('function-valued options the package does not know are reported', async () => {
  const warned = await capture('warn', async () => {
    proxy({ afterAuht: () => {}, access: { protectedRoutes: [], onDenied() {} } })
  })
  assert.ok(
    warned.some((l) => l.includes('afterAuht is a function but not a known option')),
    warned.join('\n'),
  )
  assert.ok(
    warned.some((l) => l.includes('access.onDenied')),
    warned.join('\n'),
  )
})
