// Security pipeline through createAuthProxy with real NextRequest objects and the demo backend
// process: rate limiting (governor GCRA), CSRF (Fetch Metadata + HMAC double-submit), audit.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { NextRequest } = require('next/server')
const { startBackend } = require('../examples/backend/spawn.js')
const { createAuthProxy } = require('../index.js')

const SECRET = 'security-test-secret-0123456789abcdef'
let backend
let uniq = 0

before(async () => {
  backend = await startBackend()
})

after(async () => {
  await backend?.stop()
})

/** A fresh engine per proxy: each config is made unique (engines are shared per config). */
function proxy(extra = {}) {
  uniq += 1
  return createAuthProxy({
    apiBaseUrl: backend.url,
    access: { protectedRoutes: ['/dashboard/**', '/api/profile'], loginPath: '/login' },
    excludedPaths: [`/__unique-${uniq}-${process.pid}`],
    ...extra,
  })
}

function req(path, { method = 'GET', headers = {}, cookies = {} } = {}) {
  const h = new Headers(headers)
  const jar = Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ')
  if (jar) h.set('cookie', jar)
  return new NextRequest(`http://localhost:3000${path}`, { method, headers: h })
}

function passes(res) {
  return res.headers.get('x-middleware-next') === '1'
}

async function waitFor(cond, what) {
  const deadline = Date.now() + 5000
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

function setCookie(res, name) {
  for (const c of res.headers.getSetCookie()) {
    if (c.startsWith(`${name}=`)) return c
  }
  return null
}

function cookieValue(setCookieLine) {
  return setCookieLine.split(';')[0].split('=').slice(1).join('=')
}

// ---------------------------------------------------------------------------- rate limiting

test('rate limit: the 101st request in the window gets 429 with correct headers', async () => {
  const p = proxy({ rateLimit: { windowMs: 60000, maxRequests: 100 } })
  const startSecs = Math.floor(Date.now() / 1000)
  for (let i = 1; i <= 100; i++) {
    const res = await p(req('/posts'))
    assert.ok(passes(res), `request ${i} passes`)
    assert.equal(res.headers.get('x-ratelimit-limit'), '100')
    assert.equal(res.headers.get('x-ratelimit-remaining'), String(100 - i))
    assert.equal(res.headers.get('ratelimit-policy'), '"default";q=100;w=60')
    assert.equal(res.headers.get('retry-after'), null)
  }
  const res = await p(req('/posts'))
  assert.equal(res.status, 429)
  assert.match(res.headers.get('content-type'), /application\/json/)
  const body = await res.json()
  assert.equal(body.success, false)
  assert.equal(typeof body.message, 'string')
  assert.equal(res.headers.get('x-ratelimit-limit'), '100')
  assert.equal(res.headers.get('x-ratelimit-remaining'), '0')
  // GCRA: one request comes back every 600 ms; the whole window is back 60 s from the start.
  assert.equal(res.headers.get('retry-after'), '1')
  const reset = Number(res.headers.get('x-ratelimit-reset'))
  assert.ok(Number.isInteger(reset))
  assert.ok(reset >= startSecs + 59 && reset <= Math.ceil(Date.now() / 1000) + 60, `${reset}`)
  assert.match(res.headers.get('ratelimit'), /^"default";r=0;t=(59|60)$/)
  assert.equal(p.stats().rateLimited, 1)
})

test('rate limit: spoofed x-forwarded-for without trusted proxies keeps the real key', async () => {
  const p = proxy({ rateLimit: { maxRequests: 5 } })
  for (let i = 0; i < 5; i++) {
    const res = await p(req('/posts', { headers: { 'x-forwarded-for': `203.0.113.${i}` } }))
    assert.ok(passes(res))
  }
  for (const spoof of ['198.51.100.7', '10.0.0.1, 10.0.0.2', '1.1.1.1']) {
    const res = await p(
      req('/posts', { headers: { 'x-forwarded-for': spoof, 'x-real-ip': spoof.split(',')[0] } }),
    )
    assert.equal(res.status, 429, `spoofing ${spoof} must not reset the limit`)
  }
  // With one trusted proxy, the address it appended is the key: another client is separate.
  const trusted = proxy({ rateLimit: { maxRequests: 2, trustedProxies: 1 } })
  const from = (ip) => req('/posts', { headers: { 'x-forwarded-for': `6.6.6.6, ${ip}` } })
  assert.ok(passes(await trusted(from('192.0.2.1'))))
  assert.ok(passes(await trusted(from('192.0.2.1'))))
  assert.equal((await trusted(from('192.0.2.1'))).status, 429)
  assert.ok(passes(await trusted(from('192.0.2.2'))))
})

test('rate limit: counted once per request on the async (backend) path too', async () => {
  const { token } = await backend.mint({ sub: '1' })
  const p = proxy({ rateLimit: { maxRequests: 3 } })
  const r1 = await p(req('/dashboard', { cookies: { userToken: token } }))
  assert.ok(passes(r1))
  assert.equal(r1.headers.get('x-ratelimit-remaining'), '2')
  const r2 = await p(req('/dashboard', { cookies: { userToken: token } }))
  assert.equal(r2.headers.get('x-ratelimit-remaining'), '1')
  const r3 = await p(req('/dashboard', { cookies: { userToken: token } }))
  assert.equal(r3.headers.get('x-ratelimit-remaining'), '0')
  assert.equal((await p(req('/dashboard', { cookies: { userToken: token } }))).status, 429)
})

test('rate limit: per-route rules, skipRoutes, keyFn and onRateLimited', async () => {
  const seen = []
  const p = proxy({
    rateLimit: {
      maxRequests: 50,
      skipRoutes: ['/health', '/static/**'],
      routes: [{ match: '/api/auth/login', windowMs: 60000, maxRequests: 2 }],
      keyFn: (r) => r.headers.get('x-api-key'),
      onRateLimited: (r) => {
        seen.push(r.nextUrl.pathname)
        return new Response('slow down', { status: 429 })
      },
    },
  })
  const login = (key) => req('/api/auth/login', { method: 'POST', headers: { 'x-api-key': key } })
  assert.ok(passes(await p(login('a'))))
  assert.ok(passes(await p(login('a'))))
  const limited = await p(login('a'))
  assert.equal(limited.status, 429)
  assert.equal(await limited.text(), 'slow down')
  assert.equal(limited.headers.get('x-ratelimit-limit'), '2')
  assert.ok(limited.headers.get('retry-after'))
  assert.deepEqual(seen, ['/api/auth/login'])
  // Another key has its own bucket; other routes use the default rule.
  assert.ok(passes(await p(login('b'))))
  const other = await p(req('/posts', { headers: { 'x-api-key': 'a' } }))
  assert.equal(other.headers.get('x-ratelimit-limit'), '50')
  // Skipped routes carry no rate-limit headers and are not counted.
  const health = await p(req('/health'))
  assert.ok(passes(health))
  assert.equal(health.headers.get('x-ratelimit-limit'), null)
  assert.equal(p.stats().rateLimited, 1)
})

test('rate limit: an onRateLimited that lets the request go on never passes a forged user', async () => {
  const { NextResponse } = require('next/server')
  const forged = { 'x-auth-user': 'eyJpZCI6MSwicm9sZSI6ImFkbWluIn0=', 'x-auth-user-sig': 'x' }
  const variants = {
    // downstream would get the incoming headers as they are
    plain: () => NextResponse.next(),
    // the usual way to add a request header: copy the incoming ones
    copied: (r) => {
      const headers = new Headers(r.headers)
      headers.set('x-over-limit', '1')
      return NextResponse.next({ request: { headers } })
    },
  }
  for (const [name, onRateLimited] of Object.entries(variants)) {
    const p = proxy({ rateLimit: { maxRequests: 1, onRateLimited } })
    assert.ok(passes(await p(req('/posts', { headers: forged }))))
    const res = await p(req('/posts', { headers: forged }))
    assert.ok(passes(res), `${name}: the custom answer lets it go on`)
    assert.equal(res.headers.get('x-ratelimit-remaining'), '0')
    const list = res.headers.get('x-middleware-override-headers')
    assert.notEqual(list, null, `${name}: downstream headers are overridden`)
    const names = list.split(',')
    assert.ok(!names.includes('x-auth-user'), `${name}: no forged x-auth-user downstream`)
    assert.ok(!names.includes('x-auth-user-sig'), name)
    assert.equal(res.headers.get('x-middleware-request-x-auth-user'), null, name)
    if (name === 'copied') assert.ok(names.includes('x-over-limit'), 'custom header kept')
  }
})

test('rate limit: bad options throw ERR_CONFIG_INVALID naming the option', () => {
  assert.throws(
    () => proxy({ rateLimit: { windowMs: -5 } }),
    (e) => e.code === 'ERR_CONFIG_INVALID' && /rateLimit\.windowMs/.test(e.message),
  )
  assert.throws(
    () => proxy({ rateLimit: { routes: [{ windowMs: 1 }] } }),
    (e) => e.code === 'ERR_CONFIG_INVALID' && /rateLimit\.routes\[0\]\.match/.test(e.message),
  )
  assert.throws(
    () => proxy({ rateLimit: { keyFn: 'ip' } }),
    (e) => e.code === 'ERR_CONFIG_INVALID' && /rateLimit\.keyFn/.test(e.message),
  )
  // A misspelt option fails instead of silently keeping the default of 100.
  assert.throws(
    () => proxy({ rateLimit: { max: 5 } }),
    (e) =>
      e.code === 'ERR_CONFIG_INVALID' && /^rateLimit\.max is not a known option/.test(e.message),
  )
})

// ---------------------------------------------------------------------------- CSRF

test('csrf: a session-bound token is issued, echoed requests pass, every forgery gets 403', async () => {
  const u1 = (await backend.mint({ sub: '1' })).token
  const u2 = (await backend.mint({ sub: '2' })).token
  const p = proxy({ csrf: { secret: SECRET } })

  // A page load issues a readable cookie bound to the session.
  const page = await p(req('/dashboard', { cookies: { userToken: u1 } }))
  assert.ok(passes(page))
  const line = setCookie(page, '__csrf')
  assert.ok(line, 'csrf cookie issued')
  assert.doesNotMatch(line, /HttpOnly/i)
  assert.match(line, /Path=\//)
  const t1 = cookieValue(line)
  // ... and visible downstream in the same request (getCsrfToken via cookies()).
  assert.match(page.headers.get('x-middleware-request-cookie') || '', new RegExp(`__csrf=${t1}`))

  const other = await p(req('/dashboard', { cookies: { userToken: u2 } }))
  const t2 = cookieValue(setCookie(other, '__csrf'))
  assert.notEqual(t1, t2)

  const post = (token, header, extraHeaders = {}) =>
    p(
      req('/api/profile', {
        method: 'POST',
        cookies: { userToken: u1, ...(token ? { __csrf: token } : {}) },
        headers: { ...(header ? { 'x-csrf-token': header } : {}), ...extraHeaders },
      }),
    )

  // The genuine request passes.
  assert.ok(passes(await post(t1, t1)))
  assert.ok(passes(await post(t1, t1, { 'sec-fetch-site': 'same-origin' })))

  const flip = (t, i) => t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1)
  const foreign = cookieValue(
    setCookie(
      await proxy({ csrf: { secret: 'another-secret-0123456789abcdefghij' } })(
        req('/dashboard', { cookies: { userToken: u1 } }),
      ),
      '__csrf',
    ),
  )
  assert.equal(foreign.length, t1.length)
  const forgeries = {
    'no token at all': [null, null],
    'header missing': [t1, null],
    'cookie missing': [null, t1],
    'header differs from cookie': [t1, t2],
    'token minted for another session': [t2, t2],
    'tampered nonce': [flip(t1, 0), flip(t1, 0)],
    'tampered signature': [flip(t1, t1.length - 2), flip(t1, t1.length - 2)],
    'right shape, wrong signature (other secret)': [foreign, foreign],
    'garbage token': ['abc', 'abc'],
  }
  for (const [name, [cookie, header]] of Object.entries(forgeries)) {
    const res = await post(cookie, header)
    assert.equal(res.status, 403, name)
    const body = await res.json()
    assert.equal(body.success, false, name)
    assert.equal(typeof body.message, 'string', name)
  }
  // Cross-site is refused even with a valid token; a foreign Origin too.
  assert.equal((await post(t1, t1, { 'sec-fetch-site': 'cross-site' })).status, 403)
  assert.equal(
    (await post(t1, null, { origin: 'https://evil.example', host: 'localhost:3000' })).status,
    403,
  )
  // Safe methods are not checked.
  assert.ok(passes(await p(req('/api/profile', { cookies: { userToken: u1 } }))))
  assert.equal(p.stats().csrfFailures, Object.keys(forgeries).length + 2)
})

test('csrf: a refused request still carries the rotated auth cookies', async () => {
  // The backend rotates refresh tokens: if a 403 dropped the refreshed token, the user would
  // be logged out by a forged request.
  const expired = await backend.mint({ sub: '1', ttl: -10 })
  const p = proxy({ csrf: { secret: SECRET } })
  const res = await p(
    req('/api/profile', { method: 'POST', cookies: { userToken: expired.token } }),
  )
  assert.equal(res.status, 403)
  const user = setCookie(res, 'userToken')
  assert.ok(user, 'the refreshed user token is written')
  assert.notEqual(cookieValue(user), expired.token)
  assert.match(user, /HttpOnly/)
  // The new token is valid at the backend.
  const me = await fetch(`${backend.url}/auth/me`, {
    headers: { authorization: `Bearer ${cookieValue(user)}` },
  })
  assert.equal(me.status, 200)
})

test('csrf: strategies and construction errors', async () => {
  const fm = proxy({ csrf: { strategy: 'fetch-metadata' } })
  // Pages: an API route without a token is refused (401) before CSRF matters.
  const post = (headers) => fm(req('/things', { method: 'POST', headers }))
  assert.ok(passes(await post({ 'sec-fetch-site': 'same-origin' })))
  assert.equal((await post({ 'sec-fetch-site': 'cross-site' })).status, 403)
  assert.equal((await post({ 'sec-fetch-site': 'same-site' })).status, 403)
  const trusting = proxy({ csrf: { strategy: 'fetch-metadata', trustSameSite: true } })
  assert.ok(
    passes(
      await trusting(req('/t', { method: 'PUT', headers: { 'sec-fetch-site': 'same-site' } })),
    ),
  )
  // Production with double-submit and no secret: the error names csrf.secret.
  assert.throws(
    () => proxy({ production: true, csrf: { strategy: 'both' } }),
    (e) => e.code === 'ERR_CONFIG_INVALID' && /^csrf\.secret/.test(e.message),
  )
  // `CSRF_SECRET=` (empty, as copied from an example .env) is an unset secret: production names
  // the variable, development runs on the random per-process key and every page still renders.
  assert.throws(
    () => proxy({ production: true, csrf: { secret: '' } }),
    (e) =>
      e.code === 'ERR_CONFIG_INVALID' &&
      /^csrf\.secret is empty/.test(e.message) &&
      /CSRF_SECRET/.test(e.message),
  )
  const emptyDev = proxy({ csrf: { secret: '' } })
  assert.ok(passes(await emptyDev(req('/t', { headers: { 'sec-fetch-site': 'same-origin' } }))))
  assert.throws(
    () => proxy({ csrf: { strategy: 'tokens' } }),
    (e) => e.code === 'ERR_CONFIG_INVALID' && /csrf\.strategy/.test(e.message),
  )
  // NODE_ENV=production alone (no explicit `production` option) requires the secret.
  const env = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    assert.throws(
      () => proxy({ csrf: {} }),
      (e) => e.code === 'ERR_CONFIG_INVALID' && /^csrf\.secret/.test(e.message),
    )
  } finally {
    if (env === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = env
  }
  // The readable CSRF cookie can never take (and expose) an auth cookie's name.
  assert.throws(
    () => proxy({ csrf: { secret: SECRET, cookieName: 'userToken' } }),
    (e) => e.code === 'ERR_CONFIG_INVALID' && /^csrf\.cookieName/.test(e.message),
  )
  // A custom header name is read by the adapter.
  const custom = proxy({ csrf: { secret: SECRET, headerName: 'X-XSRF-TOKEN', cookieName: 'xsrf' } })
  const t = cookieValue(setCookie(await custom(req('/posts')), 'xsrf'))
  const ok = await custom(
    req('/things', { method: 'POST', cookies: { xsrf: t }, headers: { 'x-xsrf-token': t } }),
  )
  assert.ok(passes(ok))
})

// ---------------------------------------------------------------------------- audit

test('audit: the logger receives the right events, in order, without secrets', async () => {
  const events = []
  const p = proxy({
    guestToken: { enabled: false },
    rateLimit: { maxRequests: 1, routes: [], skipRoutes: ['/dashboard/**', '/api/**', '/login'] },
    csrf: { secret: SECRET },
    audit: { logger: (e) => events.push(e) },
  })
  const good = (await backend.mint({ sub: '1' })).token
  const expired = await backend.mint({ sub: '1', ttl: -10 })

  await p(req('/dashboard', { cookies: { userToken: good } })) // auth:success
  await p(req('/dashboard?token=leak', { cookies: { userToken: 'not-a-jwt' } })) // auth:fail + auth:refresh:fail + access:denied
  await p(req('/dashboard', { cookies: { userToken: expired.token } })) // auth:refresh
  await p(req('/api/profile', { method: 'POST', cookies: { userToken: good } })) // csrf:fail
  await p(req('/posts')) // counted (1 of 1)
  await p(req('/posts')) // rateLimit:exceeded

  const expected = [
    'auth:success',
    'auth:fail',
    'auth:refresh:fail',
    'access:denied',
    'auth:refresh',
    'csrf:fail',
    'rateLimit:exceeded',
  ]
  await waitFor(() => events.length >= expected.length, 'audit events')
  assert.deepEqual(
    events.map((e) => e.type),
    expected,
  )
  for (const e of events) {
    assert.equal(typeof e.timestamp, 'string')
    assert.ok(!Number.isNaN(Date.parse(e.timestamp)))
    assert.equal(e.ip, 'unknown')
    assert.equal(typeof e.method, 'string')
    assert.equal(typeof e.success, 'boolean')
  }
  assert.equal(events[0].userId, '1')
  assert.equal(events[0].success, true)
  assert.equal(events[0].path, '/dashboard')
  assert.equal(events[1].success, false)
  assert.equal(events[1].path, '/dashboard', 'the query string never reaches an event')
  assert.equal(events[2].metadata.reason, 'expired')
  assert.equal(events[5].metadata.reason, 'missing-cookie-token')
  assert.equal(events[5].method, 'POST')
  assert.equal(events[6].metadata.limit, 1)
  const text = JSON.stringify(events)
  for (const secret of [good, expired.token, expired.refresh_token, 'not-a-jwt', 'leak', SECRET]) {
    assert.ok(!text.includes(secret), `no secret in events: ${secret.slice(0, 12)}`)
  }
  const s = p.stats()
  assert.equal(s.auditEmitted, 7)
  assert.equal(s.auditDelivered, 7)
  assert.equal(s.auditDropped, 0)
})

test('audit: auth:guest when a guest token is created, error when the backend is in trouble', async () => {
  const events = []
  const p = proxy({
    guestToken: { enabled: true, credentials: { username: 'guest', password: 'guest-secret' } },
    audit: { logger: (e) => events.push(e) },
  })
  const first = await p(req('/posts'))
  assert.ok(setCookie(first, 'guestToken'), 'a guest token was created')
  const { token } = await backend.mint({ sub: '1' })
  await backend.faults({ me: { mode: 'down' } })
  try {
    assert.equal((await p(req('/api/profile', { cookies: { userToken: token } }))).status, 503)
  } finally {
    await backend.reset()
  }
  await waitFor(() => events.length >= 2, 'audit events')
  assert.deepEqual(
    events.map((e) => e.type),
    ['auth:guest', 'error'],
  )
  assert.equal(events[0].success, true)
  assert.equal(events[0].path, '/posts')
  assert.equal(events[1].success, false)
  assert.equal(events[1].path, '/api/profile')
  assert.equal(events[1].metadata.reason, 'ERR_BACKEND_UNAVAILABLE')
  const text = JSON.stringify(events)
  assert.ok(!text.includes(token))
  assert.ok(!text.includes(cookieValue(setCookie(first, 'guestToken'))), 'no guest token')
  assert.ok(!text.includes('guest-secret'), 'no guest password')
})

test('audit: proxies sharing one engine each get the events', async () => {
  const a = []
  const b = []
  const config = {
    apiBaseUrl: backend.url,
    excludedPaths: [`/__shared-${process.pid}`],
    rateLimit: { maxRequests: 1 },
  }
  const pa = createAuthProxy({ ...config, audit: { logger: (e) => a.push(e.type) } })
  const pb = createAuthProxy({ ...config, audit: { logger: (e) => b.push(e.type) } })
  await pa(req('/posts'))
  await pb(req('/posts')) // same engine: the second request of the key is refused
  await waitFor(() => a.length === 1 && b.length === 1, 'both loggers')
  assert.deepEqual(a, ['rateLimit:exceeded'])
  assert.deepEqual(b, ['rateLimit:exceeded'])
})

test('audit: events filter', async () => {
  const events = []
  const p = proxy({
    rateLimit: { maxRequests: 1 },
    audit: { events: ['rateLimit:exceeded'], logger: (e) => events.push(e) },
  })
  await p(req('/dashboard')) // access:denied (filtered out)
  await p(req('/dashboard')) // rateLimit:exceeded
  await waitFor(() => events.length >= 1, 'audit event')
  await new Promise((r) => setTimeout(r, 20))
  assert.deepEqual(
    events.map((e) => e.type),
    ['rateLimit:exceeded'],
  )
})

test('audit: a throwing or rejecting logger changes nothing', async () => {
  const uncaught = []
  const onUncaught = (e) => uncaught.push(e)
  process.on('uncaughtException', onUncaught)
  process.on('unhandledRejection', onUncaught)
  try {
    let calls = 0
    const common = { rateLimit: { maxRequests: 3 }, csrf: { secret: SECRET } }
    const throwing = proxy({
      ...common,
      audit: {
        logger: (e) => {
          calls += 1
          if (calls % 2) throw new Error(`logger broke on ${e.type}`)
          return Promise.reject(new Error('async logger broke'))
        },
      },
    })
    const silent = proxy(common)
    const token = (await backend.mint({ sub: '1' })).token
    const script = [
      req('/dashboard', { cookies: { userToken: token } }),
      req('/dashboard'),
      req('/api/profile', { method: 'POST', cookies: { userToken: token } }),
      req('/posts'),
      req('/posts'),
    ]
    const clone = (r) => new NextRequest(r.url, { method: r.method, headers: r.headers })
    for (const r of script) {
      const a = await throwing(clone(r))
      const b = await silent(clone(r))
      assert.equal(a.status, b.status, r.url)
      for (const h of ['location', 'x-ratelimit-remaining', 'x-middleware-next', 'retry-after']) {
        assert.equal(a.headers.get(h), b.headers.get(h), `${h} for ${r.method} ${r.url}`)
      }
    }
    await waitFor(() => calls >= 5, 'logger calls')
    await new Promise((r) => setTimeout(r, 20))
    assert.deepEqual(uncaught, [])
    assert.equal(throwing.stats().auditDropped, 0)
    // The engine keeps answering afterwards (rate limited now, like the silent one).
    const last = await throwing(req('/dashboard', { cookies: { userToken: token } }))
    assert.equal(last.status, 429)
    assert.ok(throwing.stats().auditDelivered >= 5)
  } finally {
    process.off('uncaughtException', onUncaught)
    process.off('unhandledRejection', onUncaught)
  }
})

test('audit: a logger that never settles does not hold a request', async () => {
  let calls = 0
  const p = proxy({
    rateLimit: { maxRequests: 1 },
    audit: {
      logger: () => {
        calls += 1
        return new Promise(() => {})
      },
    },
  })
  // If a request waited for the logger, these awaits would never return.
  assert.ok(passes(await p(req('/posts'))))
  assert.equal((await p(req('/posts'))).status, 429)
  assert.equal((await p(req('/posts'))).status, 429)
  await waitFor(() => calls === 2, 'logger calls')
})

test('audit: a burst beyond audit.queueSize is dropped and counted, order kept', async () => {
  const got = []
  const p = proxy({
    rateLimit: { maxRequests: 1 },
    audit: { queueSize: 5, events: ['rateLimit:exceeded'], logger: (e) => got.push(e) },
  })
  // Cache-answered requests never yield to the event loop, so the logger cannot run
  // in between: the bounded queue fills up.
  const n = 30
  for (let i = 0; i < n; i++) await p(req(`/posts/${i}`))
  await waitFor(() => p.stats().auditDelivered + p.stats().auditDropped === n - 1, 'delivery')
  const s = p.stats()
  assert.equal(s.auditEmitted, n - 1)
  assert.ok(s.auditDropped > 0, 'some events were dropped')
  assert.ok(s.auditDelivered >= 5)
  await waitFor(() => got.length === s.auditDelivered, 'logger calls')
  const order = got.map((e) => Number(e.path.split('/')[2]))
  assert.deepEqual(
    order,
    [...order].sort((a, b) => a - b),
  )
})
