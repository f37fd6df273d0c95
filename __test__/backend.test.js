// Self-test of the demo backend (examples/backend/server.js) that every other test relies on.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const zlib = require('node:zlib')
const { startBackend } = require('../examples/backend/spawn.js')

let backend

before(async () => {
  backend = await startBackend({ ACCESS_TTL: '60' })
})
after(async () => {
  await backend?.stop()
})

async function req(method, path, { token, body, headers = {} } = {}) {
  const h = { ...headers }
  if (token) h.authorization = `Bearer ${token}`
  if (body !== undefined) h['content-type'] = 'application/json'
  const res = await fetch(backend.url + path, {
    method,
    headers: h,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let json
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, json, text }
}

const login = (email = 'demo@example.com', password = 'password') =>
  req('POST', '/auth/login', { body: { email, password } })

test('login returns tokens and the user; me answers with the user', async () => {
  const r = await login()
  assert.equal(r.status, 200)
  assert.equal(r.json.success, true)
  const { token, refresh_token, token_type, expires_in, user } = r.json.data
  assert.equal(token_type, 'Bearer')
  assert.equal(expires_in, 60)
  assert.ok(refresh_token)
  assert.deepEqual(user, { id: 1, name: 'Demo User', email: 'demo@example.com', role: 'admin' })
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())
  assert.equal(claims.sub, '1')
  assert.equal(claims.type, 'user')
  assert.ok(claims.jti)
  assert.ok(claims.exp > claims.iat)

  const me = await req('GET', '/auth/me', { token })
  assert.equal(me.status, 200)
  assert.equal(me.json.data.email, 'demo@example.com')
  assert.equal(me.json.data.type, 'user')
  assert.equal(me.json.data.exp, claims.exp)
})

test('login failures are 422 with field errors', async () => {
  const bad = await login('demo@example.com', 'nope')
  assert.equal(bad.status, 422)
  assert.equal(bad.json.success, false)
  assert.equal(bad.json.message, 'The given data was invalid.')
  assert.deepEqual(bad.json.errors, { email: ['These credentials do not match our records.'] })
  const missing = await req('POST', '/auth/login', { body: {} })
  assert.equal(missing.status, 422)
  assert.ok(missing.json.errors.email && missing.json.errors.password)
})

test('me rejects missing, forged, expired and revoked tokens with 401', async () => {
  assert.equal((await req('GET', '/auth/me')).status, 401)
  const { token } = (await login()).json.data
  const forged = `${token.slice(0, -4)}AAAA`
  const f = await req('GET', '/auth/me', { token: forged })
  assert.equal(f.status, 401)
  assert.deepEqual(f.json, { success: false, message: 'Unauthenticated.' })
  const expired = await backend.mint({ sub: '1', ttl: -5 })
  assert.equal((await req('GET', '/auth/me', { token: expired.token })).status, 401)
  const out = await req('POST', '/auth/logout', { token })
  assert.equal(out.status, 200)
  assert.equal(out.json.success, true)
  assert.equal((await req('GET', '/auth/me', { token })).status, 401)
})

test('refresh rotates: each access token and each refresh token works exactly once', async () => {
  // style (a): expired access token as Bearer
  const minted = await backend.mint({ sub: '2', ttl: -30 })
  const r1 = await req('POST', '/auth/refresh', { token: minted.token })
  assert.equal(r1.status, 200)
  assert.ok(r1.json.data.token && r1.json.data.refresh_token && r1.json.data.exp)
  assert.equal((await req('GET', '/auth/me', { token: r1.json.data.token })).json.data.id, 2)
  assert.equal((await req('POST', '/auth/refresh', { token: minted.token })).status, 401)
  // its paired refresh token was spent with it
  const paired = await req('POST', '/auth/refresh', {
    body: { refresh_token: minted.refresh_token },
  })
  assert.equal(paired.status, 401)

  // style (b): refresh token in the body
  const r2 = await req('POST', '/auth/refresh', {
    body: { refresh_token: r1.json.data.refresh_token },
  })
  assert.equal(r2.status, 200)
  assert.notEqual(r2.json.data.refresh_token, r1.json.data.refresh_token)
  const again = await req('POST', '/auth/refresh', {
    body: { refresh_token: r1.json.data.refresh_token },
  })
  assert.equal(again.status, 401)

  // 20 concurrent refreshes of one token: exactly one wins
  const m = await backend.mint({ sub: '1', ttl: -1 })
  const all = await Promise.all(
    Array.from({ length: 20 }, () => req('POST', '/auth/refresh', { token: m.token })),
  )
  assert.equal(all.filter((r) => r.status === 200).length, 1)
  assert.equal(all.filter((r) => r.status === 401).length, 19)

  // too old to refresh
  const ancient = await backend.mint({ sub: '1', ttl: -700000 })
  assert.equal((await req('POST', '/auth/refresh', { token: ancient.token })).status, 401)
})

test('guest tokens: good and bad credentials, me shows a guest', async () => {
  const bad = await req('POST', '/auth/guest', { body: { username: 'guest', password: 'x' } })
  assert.equal(bad.status, 401)
  const g = await req('POST', '/auth/guest', {
    body: { username: 'guest', password: 'guest-secret' },
  })
  assert.equal(g.status, 200)
  assert.equal(g.json.data.expires_in, 3600)
  const me = await req('GET', '/auth/me', { token: g.json.data.token })
  assert.equal(me.json.data.type, 'guest')
  assert.match(me.json.data.id, /^guest-/)
  // a guest can use the cart, not the profile
  const add = await req('POST', '/cart', {
    token: g.json.data.token,
    body: { productId: 2, qty: 3 },
  })
  assert.equal(add.status, 200)
  assert.equal(add.json.data.count, 3)
  assert.equal((await req('GET', '/profile', { token: g.json.data.token })).status, 403)
})

test('register, profile update and validation errors', async () => {
  const bad = await req('POST', '/auth/register', {
    body: { name: '', email: 'demo@example.com', password: 'short', password_confirmation: 'x' },
  })
  assert.equal(bad.status, 422)
  assert.ok(bad.json.errors.name && bad.json.errors.email && bad.json.errors.password)
  const email = `u${Date.now()}@example.com`
  const r = await req('POST', '/auth/register', {
    body: { name: 'New Person', email, password: 'password1', password_confirmation: 'password1' },
  })
  assert.equal(r.status, 201)
  assert.equal(r.json.data.user.email, email)
  const token = r.json.data.token
  const empty = await req('PUT', '/profile', { token, body: { name: '' } })
  assert.equal(empty.status, 422)
  const upd = await req('PATCH', '/profile', { token, body: { name: 'Renamed Ünïcode' } })
  assert.equal(upd.json.data.name, 'Renamed Ünïcode')
  assert.equal((await req('GET', '/auth/me', { token })).json.data.name, 'Renamed Ünïcode')
})

test('faults: latency, down, 500, malformed; reset clears them', async () => {
  const { token } = (await login()).json.data
  await backend.faults({ me: { mode: '500' } })
  assert.equal((await req('GET', '/auth/me', { token })).status, 500)
  await backend.faults({ me: { mode: 'malformed' } })
  const mal = await req('GET', '/auth/me', { token })
  assert.equal(mal.status, 200)
  assert.equal(mal.json, undefined)
  await backend.faults({ me: { mode: 'down' } })
  await assert.rejects(req('GET', '/auth/me', { token }))
  // other routes are unaffected by a 'me' fault
  assert.equal((await req('GET', '/posts')).status, 200)
  await backend.faults({ me: { mode: 'hang' } })
  const ac = new AbortController()
  const hung = fetch(`${backend.url}/auth/me`, {
    headers: { authorization: `Bearer ${token}` },
    signal: ac.signal,
  })
  setTimeout(() => ac.abort(), 300)
  await assert.rejects(hung)
  await backend.faults({ me: { latencyMs: 50 } })
  assert.equal((await req('GET', '/auth/me', { token })).status, 200)
  await backend.reset()
  assert.equal((await req('GET', '/auth/me', { token })).status, 200)
})

test('counters count routes and reset to zero', async () => {
  await backend.reset()
  const { token } = (await login()).json.data
  await req('GET', '/auth/me', { token })
  await req('GET', '/auth/me', { token })
  await req('GET', '/posts/3')
  const c = await backend.counters()
  assert.equal(c.routes['POST /auth/login'], 1)
  assert.equal(c.routes['GET /auth/me'], 2)
  assert.equal(c.routes['GET /posts/:id'], 1)
  assert.equal(c.routes['POST /auth/refresh'], 0)
  assert.equal(c.requests, 4)
  await backend.reset()
  assert.equal((await backend.counters()).requests, 0)
})

test('data endpoints: posts carry XSS payloads, echo, status, flaky, gzip, SSE, download', async () => {
  const posts = await req('GET', '/posts')
  assert.ok(posts.json.data.some((p) => p.body.includes('<script>')))
  assert.ok(posts.json.data.some((p) => p.body.includes('onerror')))

  const echo = await req('POST', '/api/echo/a/b?x=1&x=2&y=%2F', {
    body: { hi: 1 },
    headers: { 'x-test': 'yes' },
  })
  assert.equal(echo.json.data.method, 'POST')
  assert.equal(echo.json.data.path, '/api/echo/a/b')
  assert.equal(echo.json.data.query, '?x=1&x=2&y=%2F')
  assert.equal(echo.json.data.headers['x-test'], 'yes')
  assert.equal(echo.json.data.body, '{"hi":1}')

  const s = await req('GET', '/status/418')
  assert.equal(s.status, 418)
  assert.equal(s.json.success, false)

  const f1 = await req('GET', '/flaky?key=k1&fail=2&retryAfter=3')
  const f2 = await req('GET', '/flaky?key=k1&fail=2&retryAfter=3')
  const f3 = await req('GET', '/flaky?key=k1&fail=2&retryAfter=3')
  assert.deepEqual([f1.status, f2.status, f3.status], [503, 503, 200])
  assert.equal(f1.headers.get('retry-after'), '3')
  assert.equal((await req('GET', '/rate-limited')).headers.get('retry-after'), '1')
  assert.equal((await req('POST', '/validation', { body: {} })).status, 422)

  const raw = await new Promise((resolve, reject) => {
    require('node:http')
      .get(`${backend.url}/gzip`, (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }))
      })
      .on('error', reject)
  })
  assert.equal(raw.headers['content-encoding'], 'gzip')
  assert.equal(JSON.parse(zlib.gunzipSync(raw.body)).data.compressed, true)

  const ev = await fetch(`${backend.url}/events?count=3&interval=20`)
  assert.match(ev.headers.get('content-type'), /text\/event-stream/)
  assert.equal(await ev.text(), 'data: {"n":1}\n\ndata: {"n":2}\n\ndata: {"n":3}\n\n')

  const dl = await fetch(`${backend.url}/download?bytes=200000`)
  const buf = Buffer.from(await dl.arrayBuffer())
  assert.equal(buf.length, 200000)
  for (const i of [0, 250, 251, 65535, 65536, 199999]) assert.equal(buf[i], i % 251)

  const deep = await req('GET', '/deep?depth=5')
  assert.deepEqual(deep.json.data, [[[[[]]]]])
  const big = await fetch(`${backend.url}/big?mb=1`)
  const bigText = await big.text()
  assert.ok(bigText.length >= 1024 * 1024)
  assert.ok(JSON.parse(bigText).data.length > 100)
})
