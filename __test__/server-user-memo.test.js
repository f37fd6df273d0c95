// getServerUser on an unchanged request (userHeader 'auto', the default): the user comes from
// the auth proxy's engine by the raw cookie header (one native call picks the token by the
// proxy's own rule), and a repeat of the same header from a per-engine memo that the engine
// voids whenever it changes its mind about the token (revoked here, by the logout route or on
// another instance through Redis; the cache entry's TTL or the JWT's exp over). Real
// NextRequests against the demo backend process, a real redis-server.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { NextRequest } = require('next/server')
const { demoBackendPerFile } = require('./helpers/demo-backend.js')
const { startRedis } = require('./helpers/redis.js')
const { loginAt } = require('./helpers/next-proxy.js')
const { refreshedByProxy } = require('./helpers/refreshed.js')
const { createAuthProxy } = require('../index.js')
const { getServerUser } = require('../server.js')
const { createAuthRoutes } = require('../js/routes/auth-routes.js')
const { memoEntries, proxyEngines, revokeToken, sessionOf } = require('../js/shared/engine.js')

const APP = 'http://app.test'
// the fallback behind the proxy's engine finds its backend as an app would
const backend = demoBackendPerFile({
  started: (b) => {
    process.env.API_BASE_URL = b.url
  },
  stopping: () => {
    delete process.env.API_BASE_URL
  },
})

let seq = 0
function proxyFor(extra = {}) {
  seq += 1
  return createAuthProxy({
    apiBaseUrl: backend.url,
    access: { protectedRoutes: ['/dashboard/**'] },
    cache: { ttl: 60000, maxSize: 3000 + seq },
    ...extra,
  })
}

/** The engine of the proxy made last, with a count of its native lookups. */
function newestEngine() {
  const { engine } = proxyEngines()[0]
  const counted = { engine, lookups: 0 }
  const native = Object.getPrototypeOf(engine).userOf
  engine.userOf = function (...args) {
    counted.lookups++
    return native.apply(this, args)
  }
  return counted
}

/** What a browser sends along: analytics, preferences, consent, CSRF, around the session. */
function browserCookie(session) {
  return [
    '_ga=GA1.1.123456789.1700000000',
    '_gid=GA1.1.987654321.1700000000',
    'theme=dark',
    session,
    'locale=en-US',
    'csrf_token=abcdef0123456789abcdef0123456789',
    '_fbp=fb.1.1700000000000.1234567890',
    'consent=%7B%22ads%22%3Afalse%7D',
    'sidebar=collapsed',
    'ab_test=variant-b',
  ].join('; ')
}

function request(cookie, path = '/dashboard') {
  return new NextRequest(new URL(path, APP), {
    headers: cookie === undefined ? {} : { cookie, accept: 'application/json' },
  })
}

/** The route's view, as in an app behind the proxy: getServerUser({ request }) alone. */
const routeUser = async (cookie) => getServerUser({ request: request(cookie) })

const login = (email = 'jane@example.com') => loginAt(backend.url, email)

/** An HS256 token the demo backend (and a local verifier with its secret) accepts. */
function mintLocal(sub, ttl = 3600) {
  const b64u = (x) => Buffer.from(x).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  const head = b64u(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const body = b64u(
    JSON.stringify({ sub: String(sub), type: 'user', exp: now + ttl, iat: now, jti: `${sub}` }),
  )
  const sig = crypto.createHmac('sha256', 'demo-secret').update(`${head}.${body}`).digest()
  return `${head}.${body}.${b64u(sig)}`
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function until(what, fn, ms = 5000) {
  const end = Date.now() + ms
  for (;;) {
    if (await fn()) return
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`)
    await sleep(25)
  }
}

test('a browser-like cookie header: the proxy user, a fresh object per call, repeats from the memo', async () => {
  const proxy = proxyFor()
  const { token } = await login()
  for (const at of ['first', 'middle', 'last']) {
    const parts = browserCookie(`userToken=${token}`)
      .split('; ')
      .filter((p) => !p.startsWith('userToken'))
    const i = at === 'first' ? 0 : at === 'last' ? parts.length : 4
    parts.splice(i, 0, `userToken=${token}`)
    const cookie = parts.join('; ')
    const res = await proxy(request(cookie))
    assert.equal(res.headers.get('x-middleware-next'), '1')
    assert.equal(res.headers.get('x-middleware-override-headers'), null, 'an unchanged request')
  }
  const counted = newestEngine()
  await backend.reset()
  const cookie = browserCookie(`userToken=${token}`)
  const a = await routeUser(cookie)
  const b = await routeUser(cookie)
  for (const r of [a, b]) {
    assert.equal(r.user?.email, 'jane@example.com')
    assert.equal(r.isAuthenticated, true)
    assert.equal(r.isGuest, false)
    assert.equal(r.token, token, 'the token the engine picked, cut from the header')
  }
  assert.notEqual(a.user, b.user, 'each caller gets its own object')
  a.user.email = 'changed@example.com'
  assert.equal((await routeUser(cookie)).user.email, 'jane@example.com')
  assert.equal(counted.lookups, 1, 'one native lookup, the repeats from the memo')
  assert.equal(memoEntries(counted.engine), 1)
  assert.equal(await backend.count('GET /auth/me'), 0, 'no backend call')
})

test("the token by the proxy's own rule: quoted, padded, repeated, guest, none", async () => {
  const proxy = proxyFor()
  const { token } = await login()
  const guest = (await backend.mint({ sub: 'g1', type: 'guest' })).token
  await proxy(request(`userToken=${token}`))
  await proxy(request(`guestToken=${guest}`))
  newestEngine()
  await backend.reset()
  const cases = [
    ['quoted', `a=1; userToken="${token}"; b=2`, 'jane@example.com', token],
    ['padded', `a=1;   userToken = ${token}  ;b=2`, 'jane@example.com', token],
    ['user before guest', `guestToken=${guest}; userToken=${token}`, 'jane@example.com', token],
    // a name sent twice is never read (cookie tossing), whichever copy is valid
    ['user cookie repeated', `userToken=${token}; x=1; userToken=${token}`, null, null],
    [
      'repeated, another guest',
      `userToken=${token}; guestToken=${guest}; userToken=x.y.z`,
      'guest',
      guest,
    ],
    ['guest only', browserCookie(`guestToken=${guest}`), 'guest', guest],
    ['empty value', 'userToken=; theme=dark', null, null],
    ['no session cookie', browserCookie('other=1'), null, null],
  ]
  for (const [label, cookie, who, tok] of cases) {
    for (const round of [1, 2]) {
      const r = await routeUser(cookie)
      const seen = r.user === null ? null : r.user.type === 'guest' ? 'guest' : r.user.email
      assert.equal(seen, who, `${label} (call ${round})`)
      if (who) assert.equal(r.token, tok, `${label}: token`)
      if (who === 'guest') assert.equal(r.isGuest, true, label)
    }
  }
  assert.equal(await routeUser(undefined).then((r) => r.user), null, 'no cookie header')
  assert.equal(await backend.count('GET /auth/me'), 0)
})

for (const how of ['revokeToken', 'the logout route']) {
  test(`${how} voids a remembered answer at once`, async () => {
    const proxy = proxyFor()
    const { token } = await login()
    const cookie = browserCookie(`userToken=${token}`)
    await proxy(request(cookie))
    const counted = newestEngine()
    assert.equal((await routeUser(cookie)).user?.email, 'jane@example.com')
    assert.equal((await routeUser(cookie)).user?.email, 'jane@example.com')
    assert.equal(counted.lookups, 1, 'remembered')
    if (how === 'revokeToken') {
      assert.ok(revokeToken({ apiBaseUrl: backend.url }, token) >= 1)
    } else {
      const routes = createAuthRoutes({ apiBaseUrl: backend.url })
      const out = await routes.logout(
        new NextRequest(`${APP}/api/auth/logout`, { method: 'POST', headers: { cookie } }),
      )
      assert.equal(out.status, 200)
    }
    const calls = await backend.count('GET /auth/me')
    const after = await routeUser(cookie)
    assert.equal(after.user, null, 'refused at once, although the cache TTL is a minute')
    assert.equal(after.isAuthenticated, false)
    assert.equal(counted.lookups, 2, 'the memo asked the engine again')
    assert.equal(await backend.count('GET /auth/me'), calls, 'refused without asking the backend')
    // and the proxy refuses it too
    assert.equal((await proxy(request(cookie))).status, 307)
  })
}

test("an answer is kept no longer than the cache entry's TTL", async () => {
  const proxy = proxyFor({ cache: { ttl: 400, maxSize: 5000 } })
  const { token } = await login()
  const cookie = browserCookie(`userToken=${token}`)
  await proxy(request(cookie))
  const counted = newestEngine()
  assert.equal((await routeUser(cookie)).user?.email, 'jane@example.com')
  assert.equal((await routeUser(cookie)).user?.email, 'jane@example.com')
  assert.equal(counted.lookups, 1)
  await backend.reset()
  await sleep(550)
  // past the TTL: the engine has no judgement any more, so neither has the memo; the route's
  // fallback asks the backend (one call), as it would without a memo
  assert.equal((await routeUser(cookie)).user?.email, 'jane@example.com')
  assert.equal(counted.lookups, 2)
  assert.equal(await backend.count('GET /auth/me'), 1)
})

// The local verifiers below read their own cookie: getServerUser asks every proxy engine of
// the process, and these would vouch for any demo-backend token of the other tests.
const LOCAL = {
  validate: { mode: 'local', secret: 'demo-secret', algorithms: ['HS256'] },
  cookies: { user: 'localToken' },
}

test("local verification: an answer ends with the JWT's exp", async () => {
  const proxy = proxyFor(LOCAL)
  const token = mintLocal('short', 2)
  const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).exp
  const cookie = browserCookie(`localToken=${token}`)
  await proxy(request(cookie))
  const counted = newestEngine()
  assert.equal((await routeUser(cookie)).user?.sub, 'short')
  assert.equal((await routeUser(cookie)).user?.sub, 'short')
  assert.equal(counted.lookups, 1, 'remembered (the proxy judged it first)')
  // the cache entry ends at exp (whole seconds): so does the answer
  await until('expired', async () => Date.now() / 1000 >= exp + 1.05)
  assert.equal((await routeUser(cookie)).user, null)
  assert.equal(await backend.count('GET /auth/me'), 0)
})

test('a flood of distinct tokens keeps the memo bounded, and every answer right', async () => {
  proxyFor(LOCAL)
  const counted = newestEngine()
  let max = 0
  const first = mintLocal('flood-first')
  for (let i = 0; i < 1500; i++) {
    const t = i === 0 ? first : mintLocal(`flood-${i}`)
    const cookie = browserCookie(`localToken=${t}`)
    // judged locally on the first call, remembered from the second
    for (let k = 0; k < 2; k++) {
      const r = await routeUser(cookie)
      assert.equal(r.user?.sub, i === 0 ? 'flood-first' : `flood-${i}`)
    }
    max = Math.max(max, memoEntries(counted.engine))
  }
  assert.ok(max <= 512, `memo held ${max} headers`)
  assert.ok(max >= 100, `the memo was used (${max})`)
  // the first token, long pushed out of the memo, is still found by the engine
  assert.equal((await routeUser(browserCookie(`localToken=${first}`))).user?.sub, 'flood-first')
})

test('a refreshed token is judged, never remembered under the stale cookie', async () => {
  const { stale, fresh, sig } = await refreshedByProxy(backend)
  const counted = newestEngine()
  const headers = {
    cookie: browserCookie(`userToken=${stale}`),
    'x-refreshed-token': fresh,
    'x-refreshed-token-sig': sig,
  }
  for (let k = 0; k < 2; k++) {
    const r = await getServerUser({ request: new NextRequest(`${APP}/dashboard`, { headers }) })
    assert.equal(r.user?.email, 'demo@example.com')
    assert.equal(r.token, fresh)
  }
  assert.equal(counted.lookups, 2, 'no memo for a refreshed token')
  assert.equal(memoEntries(counted.engine), 0)
  // without its signature the header is not believed, and the stale cookie alone is refused
  for (let k = 0; k < 2; k++) {
    const forged = { ...headers, 'x-refreshed-token-sig': 'forged' }
    const r = await getServerUser({ request: new NextRequest(`${APP}/x`, { headers: forged }) })
    assert.equal(r.user, null)
  }
})

test("another instance's revocation through Redis voids the memo", async () => {
  const redis = await startRedis()
  try {
    const store = { url: redis.url, keyPrefix: `memo${seq}:`, timeoutMs: 500 }
    // two app instances sharing the store (two engines: one per distinct config), with a
    // cookie of their own: no other engine of this process judges their token
    const cookies = { user: 'redisToken' }
    const proxyA = proxyFor({ store, cookies, cache: { ttl: 60000, maxSize: 8001 } })
    const a = newestEngine()
    proxyFor({ store, cookies, cache: { ttl: 60000, maxSize: 8002 } })
    const b = proxyEngines()[0].engine
    assert.notEqual(a.engine, b)
    await sleep(300) // both listening
    const { token } = await login()
    const cookie = browserCookie(`redisToken=${token}`)
    await proxyA(request(cookie))
    for (let k = 0; k < 3; k++) {
      assert.equal((await routeUser(cookie)).user?.email, 'jane@example.com')
    }
    assert.equal(a.lookups, 1, 'instance A remembers it')
    // instance B alone revokes it (logout there); A hears it from Redis
    b.revokeToken(token)
    await until('A refuses it', async () => (await routeUser(cookie)).user === null)
    assert.equal(a.engine.validateCached(token)?.status, 'rejected')
    assert.ok(a.lookups >= 2, 'A asked its engine again')
  } finally {
    await redis.stop()
  }
})

test('without the lookup words (a runtime refusing external buffers): a lookup per call', async () => {
  const proxy = proxyFor({ cookies: { user: 'plainToken' } })
  const counted = newestEngine()
  counted.engine.lookupWords = () => {
    throw new Error('external buffers are not allowed')
  }
  const { token } = await login()
  const cookie = browserCookie(`plainToken=${token}`)
  await proxy(request(cookie))
  for (let k = 0; k < 3; k++) {
    const r = await routeUser(cookie)
    assert.equal(r.user?.email, 'jane@example.com')
    assert.equal(r.token, token)
  }
  assert.equal(counted.lookups, 3)
  assert.equal(memoEntries(counted.engine), 0)
  revokeToken({ apiBaseUrl: backend.url, cookies: { user: 'plainToken' } }, token)
  assert.equal((await routeUser(cookie)).user, null)
})

test('two cookie headers with one token: a lookup that misses never unwatches the kept answer', async () => {
  // a tiny cache: the token in use leaves it while its answer is still kept (the memo's hits
  // do not touch the native cache), then a lookup by another header misses; the engine's
  // later refusal must still void the first header's answer
  const proxy = proxyFor({
    validate: { mode: 'local', secret: 'demo-secret', algorithms: ['HS256'] },
    cookies: { user: 'tinyToken' },
    cache: { ttl: 60000, maxSize: 2 },
  })
  const counted = newestEngine()
  const token = mintLocal('tiny')
  const h1 = browserCookie(`tinyToken=${token}`)
  const h2 = `tinyToken=${token}; other=2`
  await proxy(request(h1))
  assert.equal(sessionOf(counted.engine, h1)?.token, token)
  assert.equal(sessionOf(counted.engine, h1)?.token, token)
  assert.equal(counted.lookups, 1, 'kept')
  // push it out of the native cache (judged locally, cached, never kept: one call each)
  for (let i = 0; i < 50; i++) {
    const other = `tinyToken=${mintLocal(`push-${i}`)}`
    for (let k = 0; k < 3; k++) counted.engine.userOf(other)
  }
  const verified = proxy.stats().localVerifications
  const viaH2 = sessionOf(counted.engine, h2)
  assert.equal(viaH2?.token, token, 'judged again locally (not kept: a first judgement)')
  assert.equal(proxy.stats().localVerifications, verified + 1, 'it had left the cache')
  counted.engine.revokeToken(token)
  assert.equal(sessionOf(counted.engine, h1), null, 'the first header is refused too')
  assert.equal(sessionOf(counted.engine, h2), null)
})
