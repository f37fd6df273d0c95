// The auth proxy's memo of bare "go on" answers (js/proxy/decision-memo.js): a repeat of the
// same request facts is answered without a native call while the engine allows, and never
// once the engine would answer otherwise: the token revoked (here, by the logout route, or on
// another instance through Redis), the backend's verdict expired with the cache entry, the
// JWT's exp or its proactive-refresh window reached. What must see every request (rate limit,
// audit, unsafe methods) is decided every time. Real NextRequests against the demo backend
// process, a real redis-server.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { NextRequest } = require('next/server')
const { demoBackendPerFile } = require('./helpers/demo-backend.js')
const { startRedis } = require('./helpers/redis.js')
const { loginAt } = require('./helpers/next-proxy.js')
const { createAuthProxy } = require('../index.js')
const { createAuthRoutes } = require('../js/routes/auth-routes.js')
const { proxyEngines, revokeToken } = require('../js/shared/engine.js')

const APP = 'http://app.test'
const backend = demoBackendPerFile()

let seq = 0
/** A proxy with an engine of its own (a distinct cache size), and a count of its decisions. */
function proxyFor(extra = {}) {
  seq += 1
  const proxy = createAuthProxy({
    apiBaseUrl: backend.url,
    access: { protectedRoutes: ['/dashboard/**'], authRoutes: ['/login'] },
    cache: { ttl: 60000, maxSize: 5000 + seq },
    ...extra,
  })
  const { engine } = proxyEngines()[0]
  const counted = { proxy, engine, decisions: 0, waited: 0 }
  const native = Object.getPrototypeOf(engine).decidePacked
  engine.decidePacked = function (...args) {
    counted.decisions++
    return native.apply(this, args)
  }
  const nativeAsync = Object.getPrototypeOf(engine).decideAsyncPacked
  engine.decideAsyncPacked = function (...args) {
    counted.waited++
    return nativeAsync.apply(this, args)
  }
  return counted
}

function request(path, cookie, method = 'GET', extra = {}) {
  const headers = { accept: 'text/html', ...extra }
  if (cookie) headers.cookie = cookie
  return new NextRequest(new URL(path, APP), { method, headers })
}

const login = (email = 'jane@example.com') => loginAt(backend.url, email)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const isBare = (res) =>
  res.headers.get('x-middleware-next') === '1' &&
  res.headers.getSetCookie().length === 0 &&
  res.headers.get('x-middleware-override-headers') === null

/** An HS256 token the demo backend (and a local verifier with its secret) accepts. */
function mintLocal(sub, ttlSeconds) {
  const b64u = (x) => Buffer.from(x).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  const head = b64u(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const body = b64u(
    JSON.stringify({ sub, type: 'user', exp: now + ttlSeconds, iat: now, jti: `${sub}-${seq}` }),
  )
  const sig = crypto.createHmac('sha256', 'demo-secret').update(`${head}.${body}`).digest()
  return `${head}.${body}.${b64u(sig)}`
}

/** Warms the token (one backend validation), then asks once more so the answer is kept. */
async function warm(p, path, cookie) {
  assert.ok(isBare(await p.proxy(request(path, cookie))), 'warm: a bare answer')
  assert.ok(isBare(await p.proxy(request(path, cookie))), 'kept: a bare answer')
}

test('a repeat of the same request is answered from the memo, and counted as a cache hit', async () => {
  const p = proxyFor()
  const { token } = await login()
  const cookie = `_ga=GA1.1.1; userToken=${token}; theme=dark`
  await warm(p, '/dashboard', cookie)
  const asked = p.decisions
  const hits = p.proxy.stats().cacheHits
  for (let k = 0; k < 20; k++) assert.ok(isBare(await p.proxy(request('/dashboard', cookie))))
  assert.equal(p.decisions, asked, 'no native decision for the repeats')
  assert.equal(p.proxy.stats().cacheHits, hits + 20)
  assert.equal(await backend.count('GET /auth/me'), 1)
  // other facts are decided on their own: another path, another query, another header value
  for (const [path, extra] of [
    ['/other', {}],
    ['/dashboard?tab=2', {}],
    ['/dashboard', { 'sec-fetch-site': 'cross-site' }],
  ]) {
    const before = p.decisions
    await p.proxy(request(path, cookie, 'GET', extra))
    assert.equal(p.decisions, before + 1, `${path} ${JSON.stringify(extra)}`)
  }
})

test('a kept answer never lets a guest onto a protected page', async () => {
  const p = proxyFor({
    guestToken: { enabled: true, credentials: { username: 'guest', password: 'guest-secret' } },
  })
  const first = await p.proxy(request('/', undefined))
  const guest = first.headers
    .getSetCookie()
    .find((c) => c.startsWith('guestToken='))
    .split(';')[0]
  await warm(p, '/', guest)
  for (let k = 0; k < 3; k++) {
    const res = await p.proxy(request('/dashboard', guest))
    assert.equal(res.status, 307)
    assert.match(res.headers.get('location'), /\/login\?returnTo=/)
  }
})

test('revoked here or by the logout route: refused at once', async () => {
  for (const how of ['revokeToken', 'logout route']) {
    const p = proxyFor()
    const { token } = await login()
    const cookie = `userToken=${token}`
    await warm(p, '/dashboard', cookie)
    if (how === 'revokeToken') {
      revokeToken({ apiBaseUrl: backend.url }, token)
    } else {
      const routes = createAuthRoutes({ apiBaseUrl: backend.url })
      const res = await routes.logout(
        new NextRequest(`${APP}/api/auth/logout`, { method: 'POST', headers: { cookie } }),
      )
      assert.equal(res.status, 200)
    }
    const page = await p.proxy(request('/dashboard', cookie))
    assert.equal(page.status, 307, how)
    const api = await p.proxy(request('/api/profile', cookie))
    assert.equal(api.status, 401, how)
  }
})

test("another instance's revocation through Redis: refused once it is heard", async () => {
  const redis = await startRedis()
  try {
    const store = { url: redis.url, keyPrefix: `pmemo${seq}:`, timeoutMs: 500 }
    const cookies = { user: 'sharedToken' }
    const a = proxyFor({ store, cookies })
    const b = proxyFor({ store, cookies })
    assert.notEqual(a.engine, b.engine)
    await sleep(300) // both listening
    const { token } = await login()
    const cookie = `sharedToken=${token}`
    await warm(a, '/dashboard', cookie)
    const asked = a.decisions
    assert.ok(isBare(await a.proxy(request('/dashboard', cookie))))
    assert.equal(a.decisions, asked, 'A keeps the answer')
    b.engine.revokeToken(token)
    const end = Date.now() + 5000
    let status = 0
    while (Date.now() < end) {
      status = (await a.proxy(request('/dashboard', cookie))).status
      if (status === 307) break
      await sleep(25)
    }
    assert.equal(status, 307, 'A refuses it')
  } finally {
    await redis.stop()
  }
})

test("kept no longer than the backend's verdict is cached", async () => {
  const p = proxyFor({ cache: { ttl: 400, maxSize: 6100 } })
  const { token } = await login()
  const cookie = `userToken=${token}`
  await warm(p, '/dashboard', cookie)
  // the backend ends the session on its own (no word to the proxy)
  const out = await fetch(`${backend.url}/auth/logout`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  })
  assert.equal(out.status, 200)
  assert.ok(isBare(await p.proxy(request('/dashboard', cookie))), 'still within the TTL')
  await sleep(500)
  const res = await p.proxy(request('/dashboard', cookie))
  assert.equal(res.status, 307, 'asked the backend again after the TTL')
})

test('a token in steady use is re-validated ahead: no request waits, and a backend logout still ends it within the TTL', async () => {
  const p = proxyFor({ cache: { ttl: 800, maxSize: 6150, revalidateAhead: 0.5 } })
  const { token } = await login()
  const cookie = `userToken=${token}`
  await warm(p, '/dashboard', cookie)
  const waited = p.waited
  // two TTLs of requests every 50 ms: each entry is re-validated from its middle on
  const end = performance.now() + 1700
  while (performance.now() < end) {
    assert.ok(isBare(await p.proxy(request('/dashboard', cookie))))
    await sleep(50)
  }
  assert.equal(p.waited, waited, 'no request took the path that waits for the backend')
  assert.ok(p.proxy.stats().revalidatedAhead >= 2, 'counted in stats()')
  const calls = await backend.count('GET /auth/me')
  // one per half TTL or so (a judgement every 400 ms at most), not one per request (34)
  assert.ok(calls >= 3 && calls <= 6, `${calls} validations`)
  // the backend ends the session: the next re-validation (within a TTL) says so
  const out = await fetch(`${backend.url}/auth/logout`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  })
  assert.equal(out.status, 200)
  let res
  const until = performance.now() + 800 + 300
  do {
    res = await p.proxy(request('/dashboard', cookie))
    await sleep(25)
  } while (res.status !== 307 && performance.now() < until)
  assert.equal(res.status, 307, 'refused within the TTL')
})

test("kept no longer than the JWT's exp (local verification) nor past its proactive refresh", async () => {
  const validate = { mode: 'local', secret: 'demo-secret', algorithms: ['HS256'] }
  const p = proxyFor({ validate, refresh: { enabled: false } })
  const short = mintLocal('exp', 2)
  await warm(p, '/dashboard', `userToken=${short}`)
  // exp is in whole seconds and the verifier compares whole seconds: past it once the second
  // after exp has begun
  const exp = JSON.parse(Buffer.from(short.split('.')[1], 'base64url')).exp
  await sleep(Math.max(0, (exp + 1) * 1000 - Date.now() + 100))
  assert.equal((await p.proxy(request('/dashboard', `userToken=${short}`))).status, 307)

  // 4 s left, refresh 3 s before exp: kept for at most ~1 s, then the proxy refreshes
  const r = proxyFor({ validate, refresh: { thresholdSeconds: 3 } })
  const soon = (await backend.mint({ sub: '2', ttl: 4 })).token
  await warm(r, '/dashboard', `userToken=${soon}`)
  await sleep(1600)
  const res = await r.proxy(request('/dashboard', `userToken=${soon}`))
  assert.ok(
    res.headers.getSetCookie().some((c) => c.startsWith('userToken=')),
    'refreshed ahead of exp',
  )
})

test('what must see every request is decided every time', async () => {
  const { token } = await login()
  const cookie = `userToken=${token}`
  // unsafe methods
  const p = proxyFor()
  await warm(p, '/api/profile', cookie)
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const before = p.decisions
    await p.proxy(request('/api/profile', cookie, method))
    await p.proxy(request('/api/profile', cookie, method))
    assert.equal(p.decisions, before + 2, method)
  }
  // a rate limit counts every request: the fourth warm GET is refused
  const limited = proxyFor({ rateLimit: { enabled: true, maxRequests: 3, windowMs: 60000 } })
  const statuses = []
  for (let k = 0; k < 5; k++) statuses.push((await limited.proxy(request('/x', cookie))).status)
  assert.deepEqual(statuses, [200, 200, 200, 429, 429])
  // audit: every request reaches the engine
  const audited = proxyFor({ audit: { enabled: true, logger: () => {} } })
  await warm(audited, '/x', cookie)
  const before = audited.decisions
  for (let k = 0; k < 3; k++) await audited.proxy(request('/x', cookie))
  assert.equal(audited.decisions, before + 3)
})

test('a flood of distinct requests keeps the memo bounded', async () => {
  const p = proxyFor()
  const { token } = await login()
  const cookie = `userToken=${token}`
  await warm(p, '/p/0', cookie)
  for (let k = 1; k <= 1500; k++) await p.proxy(request(`/p/${k}`, cookie))
  // the newest are kept, the oldest went first
  const asked = p.decisions
  await p.proxy(request('/p/1500', cookie))
  assert.equal(p.decisions, asked, 'the newest is kept')
  await p.proxy(request('/p/1', cookie))
  assert.equal(p.decisions, asked + 1, 'the oldest went')
})
