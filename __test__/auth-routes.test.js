// createAuthRoutes against the demo backend process, with real NextRequest objects.

const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const { assertConfigErrors } = require('./helpers/config.js')
const { withServer, captureErrors } = require('./helpers/server.js')
const { NextRequest } = require('next/server')
const { startBackend } = require('../examples/backend/spawn.js')
const { createAuthRoutes } = require('../js/routes/auth-routes.js')
const { refreshedByProxy } = require('./helpers/refreshed.js')

const APP = 'http://app.test'
let backend
let auth

before(async () => {
  backend = await startBackend()
  auth = createAuthRoutes({ apiBaseUrl: backend.url })
})

after(async () => {
  await backend?.stop()
})

beforeEach(async () => {
  await backend.reset()
})

function post(path, body, headers = {}) {
  return new NextRequest(`${APP}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
}

function get(path, headers = {}) {
  return new NextRequest(`${APP}${path}`, { headers })
}

/** Set-Cookie values of a response as { name: { value, attrs: 'raw string' } }. */
function cookiesOf(res) {
  const out = {}
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';')
    const i = pair.indexOf('=')
    out[pair.slice(0, i)] = { value: pair.slice(i + 1), raw: c }
  }
  return out
}

function cookieHeader(jar) {
  return Object.entries(jar)
    .filter(([, c]) => c.value !== '')
    .map(([n, c]) => `${n}=${c.value}`)
    .join('; ')
}

async function login(email = 'demo@example.com', password = 'password') {
  const res = await auth.login(post('/api/auth/login', { email, password }))
  return { res, body: await res.json(), cookies: cookiesOf(res) }
}

test('login sets httpOnly token cookies, clears the guest cookie, returns the user and no token', async () => {
  const { res, body, cookies } = await login()
  assert.equal(res.status, 200)
  assert.equal(body.success, true)
  assert.equal(body.data.user.email, 'demo@example.com')
  assert.equal(body.data.user.name, 'Demo User')
  const user = cookies.userToken
  const refresh = cookies.refreshToken
  assert.ok(user?.value.split('.').length === 3, 'a JWT in the user cookie')
  assert.ok(refresh?.value, 'the refresh token in its own cookie')
  for (const c of [user, refresh]) {
    assert.match(c.raw, /; HttpOnly/)
    assert.match(c.raw, /; SameSite=Lax/)
    assert.match(c.raw, /; Path=\//)
    assert.doesNotMatch(c.raw, /; Secure/, 'not secure outside production')
  }
  assert.match(cookies.guestToken.raw, /^guestToken=; .*Max-Age=0/)
  const text = JSON.stringify(body)
  assert.ok(!text.includes(user.value), 'the access token is not in the body')
  assert.ok(!text.includes(refresh.value), 'the refresh token is not in the body')
  assert.doesNotMatch(text, /token/i)
  // the cookie works against the backend
  const me = await auth.me(get('/api/auth/me', { cookie: `userToken=${user.value}` }))
  assert.equal(me.status, 200)
  assert.equal((await me.json()).data.user.id, 1)
})

test('login with a form body works too; production cookies are Secure', async () => {
  const prod = createAuthRoutes({ apiBaseUrl: backend.url, production: true })
  const form = new URLSearchParams({ email: 'jane@example.com', password: 'password' })
  const res = await prod.login(
    new NextRequest(`${APP}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    }),
  )
  assert.equal(res.status, 200)
  assert.equal((await res.json()).data.user.email, 'jane@example.com')
  assert.match(cookiesOf(res).userToken.raw, /; Secure/)
})

test('wrong password: the backend 422 with field errors passes through, no cookies', async () => {
  const { res, body, cookies } = await login('demo@example.com', 'nope')
  assert.equal(res.status, 422)
  assert.equal(body.success, false)
  assert.deepEqual(body.errors.email, ['These credentials do not match our records.'])
  assert.deepEqual(cookies, {})
  const missing = await auth.login(post('/api/auth/login', {}))
  assert.equal(missing.status, 422)
  assert.ok((await missing.json()).errors.email)
  const bad = await auth.login(
    new NextRequest(`${APP}/api/auth/login`, { method: 'POST', body: '{not json' }),
  )
  assert.equal(bad.status, 400)
})

test('register creates the session like login', async () => {
  const email = `new-${Date.now()}@example.com`
  const res = await auth.register(
    post('/api/auth/register', {
      name: 'New Person',
      email,
      password: 'password123',
      password_confirmation: 'password123',
    }),
  )
  assert.equal(res.status, 201)
  const body = await res.json()
  assert.equal(body.data.user.email, email)
  assert.ok(cookiesOf(res).userToken.value)
  const dup = await auth.register(
    post('/api/auth/register', {
      name: 'Dup',
      email,
      password: 'password123',
      password_confirmation: 'password123',
    }),
  )
  assert.equal(dup.status, 422)
  assert.ok((await dup.json()).errors)
})

test('me: 401 without a session, guest data for a guest cookie', async () => {
  const none = await auth.me(get('/api/auth/me'))
  assert.equal(none.status, 401)
  assert.deepEqual(await none.json(), {
    success: false,
    message: 'Unauthenticated.',
    data: { user: null },
  })
  const guest = await backend.mint({ sub: 'guest-abc', type: 'guest' })
  const res = await auth.me(get('/api/auth/me', { cookie: `guestToken=${guest.token}` }))
  assert.equal(res.status, 200)
  assert.equal((await res.json()).data.user.type, 'guest')
})

test('me refreshes an expired user token once with the refresh cookie', async () => {
  const expired = await backend.mint({ sub: '1', ttl: -30 })
  const cookie = `userToken=${expired.token}; refreshToken=${expired.refresh_token}`
  const res = await auth.me(get('/api/auth/me', { cookie }))
  assert.equal(res.status, 200)
  assert.equal((await res.json()).data.user.email, 'demo@example.com')
  const set = cookiesOf(res)
  assert.ok(set.userToken.value && set.userToken.value !== expired.token)
  assert.ok(set.refreshToken.value && set.refreshToken.value !== expired.refresh_token)
  assert.equal(await backend.count('POST /auth/refresh'), 1)
  // the rotated refresh token cannot be used twice: the session ends and cookies are cleared
  const again = await auth.me(get('/api/auth/me', { cookie }))
  assert.equal(again.status, 401)
  assert.match(cookiesOf(again).userToken.raw, /Max-Age=0/)
})

test('refresh rotates the cookies; a replayed refresh token ends the session', async () => {
  const { cookies } = await login()
  const cookie = cookieHeader(cookies)
  const res = await auth.refresh(post('/api/auth/refresh', undefined, { cookie }))
  assert.equal(res.status, 200)
  const body = await res.json()
  assert.equal(body.data.user.email, 'demo@example.com')
  assert.doesNotMatch(JSON.stringify(body), /token/i)
  const next = cookiesOf(res)
  assert.notEqual(next.userToken.value, cookies.userToken.value)
  assert.notEqual(next.refreshToken.value, cookies.refreshToken.value)
  const replay = await auth.refresh(post('/api/auth/refresh', undefined, { cookie }))
  assert.equal(replay.status, 401)
  const cleared = cookiesOf(replay)
  for (const n of ['userToken', 'refreshToken', 'guestToken']) {
    assert.match(cleared[n].raw, /Max-Age=0/, n)
  }
  // without a refresh cookie the user token is used as Bearer (style a)
  const fresh = await backend.mint({ sub: '2' })
  const bearer = await auth.refresh(
    post('/api/auth/refresh', undefined, { cookie: `userToken=${fresh.token}` }),
  )
  assert.equal(bearer.status, 200)
  assert.equal((await bearer.json()).data.user.email, 'jane@example.com')
})

test('logout calls the backend and clears every cookie', async () => {
  const { cookies } = await login()
  const cookie = cookieHeader(cookies)
  const res = await auth.logout(post('/api/auth/logout', undefined, { cookie }))
  assert.equal(res.status, 200)
  assert.equal((await res.json()).success, true)
  const cleared = cookiesOf(res)
  for (const n of ['userToken', 'refreshToken', 'guestToken']) {
    assert.equal(cleared[n].value, '', n)
    assert.match(cleared[n].raw, /Max-Age=0/, n)
  }
  assert.equal(await backend.count('POST /auth/logout'), 1)
  // the backend revoked the token
  const me = await fetch(`${backend.url}/auth/me`, {
    headers: { authorization: `Bearer ${cookies.userToken.value}` },
  })
  assert.equal(me.status, 401)
  // logging out without a session still clears cookies and does not call the backend
  const anon = await auth.logout(post('/api/auth/logout'))
  assert.equal(anon.status, 200)
  assert.equal(Object.keys(cookiesOf(anon)).length, 3)
  assert.equal(await backend.count('POST /auth/logout'), 1)
})

test('one handler for app/api/auth/[action]/route.ts dispatches on action and method', async () => {
  const { GET, POST } = auth
  const ctx = (action) => ({ params: Promise.resolve({ action }) })
  const res = await POST(
    post('/api/auth/login', { email: 'demo@example.com', password: 'password' }),
    ctx('login'),
  )
  assert.equal(res.status, 200)
  const cookie = cookieHeader(cookiesOf(res))
  const me = await GET(get('/api/auth/me', { cookie }), ctx('me'))
  assert.equal(me.status, 200)
  const wrong = await POST(post('/api/auth/me', {}), ctx('me'))
  assert.equal(wrong.status, 405)
  assert.equal(wrong.headers.get('allow'), 'GET')
  const unknown = await GET(get('/api/auth/x'), ctx('constructor'))
  assert.equal(unknown.status, 404)
})

test('custom cookie names and a parseAuthResponse mapper', async () => {
  const seen = []
  const custom = createAuthRoutes({
    apiBaseUrl: backend.url,
    cookies: { user: 'sess', guest: 'anon', options: { sameSite: 'strict', maxAge: 3600 } },
    refresh: { cookie: 'sessRefresh' },
    parseAuthResponse(json, info) {
      seen.push(info.action)
      return { token: json.data.token, user: { ...json.data.user, mapped: true } }
    },
  })
  const res = await custom.login(
    post('/api/auth/login', { email: 'demo@example.com', password: 'password' }),
  )
  assert.equal(res.status, 200)
  assert.equal((await res.json()).data.user.mapped, true)
  const c = cookiesOf(res)
  assert.match(c.sess.raw, /Max-Age=3600; HttpOnly; SameSite=Strict/)
  assert.equal(c.sessRefresh, undefined, 'the mapper returned no refresh token')
  assert.match(c.anon.raw, /Max-Age=0/)
  assert.deepEqual(seen, ['login'])
  assert.deepEqual(custom.cookieNames, { user: 'sess', guest: 'anon', refresh: 'sessRefresh' })
})

test('backend down -> 502, no cookies, details only in the log', async () => {
  await backend.faults({ login: { mode: 'down' } })
  let res
  const logged = await captureErrors(async () => {
    res = await auth.login(
      post('/api/auth/login', { email: 'demo@example.com', password: 'password' }),
    )
  })
  assert.equal(res.status, 502)
  assert.deepEqual(cookiesOf(res), {})
  assert.equal((await res.json()).message, 'The authentication service is unavailable.')
  assert.ok(logged.length > 0)
})

test('bad configuration throws with ERR_CONFIG_INVALID naming the option', () => {
  const cases = [
    [{}, /apiBaseUrl/],
    [{ apiBaseUrl: 'nope' }, /apiBaseUrl/],
    [{ apiBaseUrl: 'http://x', cookies: { user: 'a b' } }, /cookies\.user/],
    [{ apiBaseUrl: 'http://x', cookies: { options: { sameSite: 'x' } } }, /sameSite/],
    [{ apiBaseUrl: 'http://x', endpoints: { login: '../x' } }, /endpoints\.login/],
    [{ apiBaseUrl: 'http://x', parseAuthResponse: 'x' }, /parseAuthResponse/],
    [{ apiBaseUrl: 'http://x', timeout: 0 }, /timeout/],
    [{ apiBaseUrl: 'http://x', production: 'yes' }, /production/],
    [{ apiBaseUrl: 'http://x', cookies: { user: 5 } }, /cookies\.user/],
    [{ apiBaseUrl: 'http://x', refresh: { maxAge: '1d' } }, /refresh\.maxAge/],
    [{ apiBaseUrl: 'http://x', cookies: { options: { secure: 'yes' } } }, /secure/],
    [{ apiBaseUrl: 'http://x', cookies: { options: { maxAge: -1 } } }, /maxAge/],
  ]
  assertConfigErrors(createAuthRoutes, cases)
})

test('refresh.style auto falls back to the user token when the refresh cookie is stale', async () => {
  const { cookies } = await login()
  // Someone else (the auth proxy, bearer style) refreshed with the access token: the refresh
  // cookie we hold is now spent.
  const viaProxy = await fetch(`${backend.url}/auth/refresh`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cookies.userToken.value}` },
  })
  assert.equal(viaProxy.status, 200)
  const fresh = (await viaProxy.json()).data.token
  const cookie = `userToken=${fresh}; refreshToken=${cookies.refreshToken.value}`
  const cookieOnly = createAuthRoutes({ apiBaseUrl: backend.url, refresh: { style: 'cookie' } })
  const refused = await cookieOnly.refresh(post('/api/auth/refresh', undefined, { cookie }))
  assert.equal(refused.status, 401)
  await backend.reset()
  const res = await auth.refresh(post('/api/auth/refresh', undefined, { cookie }))
  assert.equal(res.status, 200)
  assert.equal((await res.json()).data.user.email, 'demo@example.com')
  assert.equal(await backend.count('POST /auth/refresh'), 2, 'stale cookie tried, then Bearer')
  assert.throws(
    () => createAuthRoutes({ apiBaseUrl: backend.url, refresh: { style: 'x' } }),
    /refresh\.style/,
  )
})

test('me trusts the user the auth proxy signed for this request, and nothing forged', async () => {
  const { createAuthProxy } = require('../js/proxy/proxy.js')
  const token = (await backend.mint({ sub: '2' })).token
  // 'always': the header on an unchanged request too (by default it travels only when the
  // proxy rewrites the request; see the test below for the header-free path)
  const proxy = createAuthProxy({ apiBaseUrl: backend.url, userHeader: 'always' })
  const passed = await proxy(
    new NextRequest(`${APP}/api/auth/me`, { headers: { cookie: `userToken=${token}` } }),
  )
  const user = passed.headers.get('x-middleware-request-x-auth-user')
  const sig = passed.headers.get('x-middleware-request-x-auth-user-sig')
  assert.ok(user && sig, 'the proxy passed a signed user on')
  await backend.reset()
  const res = await auth.me(
    get('/api/auth/me', {
      'x-auth-user': user,
      'x-auth-user-sig': sig,
      cookie: `userToken=${token}`,
    }),
  )
  assert.equal(res.status, 200)
  assert.equal((await res.json()).data.user.email, 'jane@example.com')
  assert.equal(await backend.count('GET /auth/me'), 0, 'no backend call')
  // a forged user (valid base64, wrong signature) is ignored: the token decides (the proxy
  // engine's cache judged it, so still no backend call)
  const forged = Buffer.from(JSON.stringify({ id: 1, email: 'demo@example.com', role: 'admin' }))
  const res2 = await auth.me(
    get('/api/auth/me', {
      'x-auth-user': forged.toString('base64'),
      'x-auth-user-sig': sig,
      cookie: `userToken=${token}`,
    }),
  )
  assert.equal((await res2.json()).data.user.email, 'jane@example.com')
  assert.equal(await backend.count('GET /auth/me'), 0)
})

test('me on an unchanged request (no user header) answers from the proxy engine, else the backend', async () => {
  const { createAuthProxy } = require('../js/proxy/proxy.js')
  const token = (await backend.mint({ sub: '2' })).token
  const proxy = createAuthProxy({ apiBaseUrl: backend.url })
  const passed = await proxy(
    new NextRequest(`${APP}/dashboard`, { headers: { cookie: `userToken=${token}` } }),
  )
  assert.equal(passed.headers.get('x-middleware-override-headers'), null, 'request unchanged')
  await backend.reset()
  const res = await auth.me(get('/api/auth/me', { cookie: `userToken=${token}` }))
  assert.equal((await res.json()).data.user.email, 'jane@example.com')
  assert.equal(await backend.count('GET /auth/me'), 0, 'the cache judged it moments ago')
  // a token no engine has judged is asked of the backend, as before
  const other = (await backend.mint({ sub: '1' })).token
  const res2 = await auth.me(get('/api/auth/me', { cookie: `userToken=${other}` }))
  assert.equal((await res2.json()).data.user.email, 'demo@example.com')
  assert.equal(await backend.count('GET /auth/me'), 1)
})

test('logout revokes the token the proxy refreshed in this request, not the stale cookie', async () => {
  // the proxy's own, signed x-refreshed-token (a client-sent one is not believed)
  const { stale, fresh, sig } = await refreshedByProxy(backend)
  const res = await auth.logout(
    post('/api/auth/logout', undefined, {
      cookie: `userToken=${stale}`,
      'x-refreshed-token': fresh,
      'x-refreshed-token-sig': sig,
    }),
  )
  assert.equal(res.status, 200)
  const me = (t) => fetch(`${backend.url}/auth/me`, { headers: { authorization: `Bearer ${t}` } })
  assert.equal((await me(fresh)).status, 401, 'the live token is revoked')
})

test('backend trouble never throws out of a handler: hang -> 504, malformed -> 502, cut body -> 502', async () => {
  const quick = createAuthRoutes({ apiBaseUrl: backend.url, timeout: 200 })
  const creds = { email: 'demo@example.com', password: 'password' }
  const results = {}
  try {
    await captureErrors(async () => {
      await backend.faults({ login: { mode: 'hang' } })
      results.hung = await quick.login(post('/api/auth/login', creds))
      await backend.faults({ login: { mode: 'malformed' } })
      results.bad = await quick.login(post('/api/auth/login', creds))
      await backend.faults({ me: { mode: 'malformed' } })
      const token = (await backend.mint({ sub: '1' })).token
      results.me = await quick.me(get('/api/auth/me', { cookie: `userToken=${token}` }))
    })
  } finally {
    await backend.reset()
  }
  const { hung, bad, me } = results
  assert.equal(hung.status, 504)
  assert.deepEqual(cookiesOf(hung), {})
  assert.equal((await hung.json()).success, false)
  assert.equal(bad.status, 502)
  assert.equal((await bad.json()).message, 'The authentication service sent an invalid response.')
  assert.equal(me.status, 502)
  assert.equal(cookiesOf(me).userToken, undefined, 'a bad answer does not log the user out')
  // a backend that sends the head, then drops the connection mid-body
  const answer = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
    res.write('{"data":{"token":"')
    setTimeout(() => res.socket.destroy(), 20)
  }
  await withServer(answer, async (url) => {
    let res
    const logged = await captureErrors(async () => {
      res = await createAuthRoutes({ apiBaseUrl: url }).login(
        post('/api/auth/login', { email: 'a@b.c', password: 'x' }),
      )
    })
    assert.equal(res.status, 502)
    assert.deepEqual(cookiesOf(res), {})
    assert.ok(logged.length > 0, 'the cause is logged on the server')
  })
})

test('an oversized login body gets 413 without being buffered or sent to the backend', async () => {
  const small = createAuthRoutes({ apiBaseUrl: backend.url, maxBodyBytes: 1024 })
  // streamed without a content-length: cut off once past the limit
  let pulled = 0
  const stream = new ReadableStream({
    pull(controller) {
      pulled++
      if (pulled > 10000) controller.close()
      else controller.enqueue(new Uint8Array(512).fill(0x20))
    },
  })
  const res = await small.login(
    new NextRequest(`${APP}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    }),
  )
  assert.equal(res.status, 413)
  assert.equal((await res.json()).success, false)
  assert.ok(pulled < 100, `read stopped early (${pulled} chunks pulled)`)
  // a declared content-length over the limit is refused up front
  const big = JSON.stringify({ email: 'demo@example.com', password: 'x'.repeat(2000) })
  const declared = await small.register(post('/api/auth/register', JSON.parse(big)))
  assert.equal(declared.status, 413)
  // forms too; and within the limit everything works as before
  const form = await small.login(
    new NextRequest(`${APP}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `email=demo%40example.com&password=${'p'.repeat(2000)}`,
    }),
  )
  assert.equal(form.status, 413)
  assert.equal(await backend.count('POST /auth/login'), 0)
  assert.equal(await backend.count('POST /auth/register'), 0)
  const ok = await small.login(
    post('/api/auth/login', { email: 'demo@example.com', password: 'password' }),
  )
  assert.equal(ok.status, 200)
  assertConfigErrors(createAuthRoutes, [
    [{ apiBaseUrl: backend.url, maxBodyBytes: 0 }, /maxBodyBytes/],
    [{ apiBaseUrl: backend.url, maxBodyBytes: '1mb' }, /maxBodyBytes/],
  ])
})

test('csrf: login, refresh and logout re-issue __csrf for the new session; the old token is refused', async () => {
  const { createAuthProxy } = require('../js/proxy/proxy.js')
  // No secret: the development secret is random and lives in the proxy's engine.
  const proxy = createAuthProxy({
    apiBaseUrl: backend.url,
    access: { protectedRoutes: ['/api/profile'] },
    csrf: {},
  })
  const through = (path, { method = 'GET', jar = {}, token } = {}) =>
    proxy(
      new NextRequest(`${APP}${path}`, {
        method,
        headers: { cookie: cookieHeader(jar), ...(token ? { 'x-csrf-token': token } : {}) },
      }),
    )
  const passes = (res) => res.headers.get('x-middleware-next') === '1'

  // Before login: the proxy issues an anonymous token.
  const page = cookiesOf(await through('/'))
  const before = page.__csrf?.value
  assert.ok(before, 'the proxy issued a csrf cookie')

  // Login through the auth route: a new readable __csrf for the user, in the same response.
  const res = await auth.login(
    post(
      '/api/auth/login',
      { email: 'demo@example.com', password: 'password' },
      { cookie: `__csrf=${before}` },
    ),
  )
  assert.equal(res.status, 200)
  const jar = { ...page, ...cookiesOf(res) }
  const after = jar.__csrf.value
  assert.ok(after && after !== before, 'a new csrf token')
  assert.doesNotMatch(jar.__csrf.raw, /HttpOnly/i)
  assert.match(jar.__csrf.raw, /Path=\//)

  // Right away, no navigation: the unsafe request with the new token passes ...
  assert.ok(passes(await through('/api/profile', { method: 'POST', jar, token: after })))
  // ... and the pre-login token (cookie and header) is refused.
  const stale = await through('/api/profile', {
    method: 'POST',
    jar: { ...jar, __csrf: { value: before } },
    token: before,
  })
  assert.equal(stale.status, 403)
  assert.equal((await stale.json()).success, false)

  // Refresh: a new token for the same user, valid at once.
  const refreshed = await auth.refresh(post('/api/auth/refresh', {}, { cookie: cookieHeader(jar) }))
  assert.equal(refreshed.status, 200)
  Object.assign(jar, cookiesOf(refreshed))
  assert.ok(jar.__csrf.value, 'refresh re-issued the csrf cookie')
  assert.ok(passes(await through('/api/profile', { method: 'POST', jar, token: jar.__csrf.value })))

  // Logout: an anonymous token; the user's token no longer passes for the anonymous session.
  const userToken = jar.__csrf.value
  const out = await auth.logout(post('/api/auth/logout', undefined, { cookie: cookieHeader(jar) }))
  const outJar = cookiesOf(out)
  const anon = outJar.__csrf?.value
  assert.ok(anon && anon !== userToken, 'logout re-issued the csrf cookie')
  const left = { __csrf: { value: anon } }
  assert.ok(passes(await through('/echo', { method: 'POST', jar: left, token: anon })))
  const old = await through('/echo', {
    method: 'POST',
    jar: { __csrf: { value: userToken } },
    token: userToken,
  })
  assert.equal(old.status, 403)

  // csrf: false leaves the CSRF cookie alone.
  const off = createAuthRoutes({ apiBaseUrl: backend.url, csrf: false })
  const plain = await off.login(
    post('/api/auth/login', { email: 'demo@example.com', password: 'password' }),
  )
  assert.equal(plain.status, 200)
  assert.equal(cookiesOf(plain).__csrf, undefined)
  assertConfigErrors(createAuthRoutes, [[{ apiBaseUrl: backend.url, csrf: 'yes' }, /^csrf/]])
})
