// validate.mode 'local': createAuthProxy and getServerUser verify the demo backend's JWTs
// natively (HS256 with the shared secret, RS256 / ES256 through its published JWKS), against
// the demo backend process and the built addon. The backend's counters prove which calls
// were (not) made.

const { test, after } = require('node:test')
const assert = require('node:assert/strict')
const { NextRequest } = require('next/server')
const { startBackend } = require('../examples/backend/spawn.js')
const { createAuthProxy } = require('../index.js')
const { getServerUser } = require('../server.js')
const { downstreamUser } = require('./helpers/next-proxy.js')

const backends = []
after(async () => {
  for (const b of backends) await b.stop()
})

function request(path, cookie) {
  const headers = { 'user-agent': 'node-test' }
  if (cookie) headers.cookie = cookie
  return new NextRequest(new URL(path, 'http://app.test'), { headers })
}

/** The proxy on a page request: [its response, the user code behind it gets]. */
async function visit(proxy, cookie) {
  const req = request('/dashboard', cookie)
  const res = await proxy(req)
  return [res, await downstreamUser(req, res)]
}

let seq = 0
function proxyFor(backend, validate) {
  seq += 1
  return createAuthProxy({
    apiBaseUrl: backend.url,
    access: { protectedRoutes: ['/dashboard/**'] },
    cache: { ttl: 60000, maxSize: 5000 + seq },
    validate,
  })
}

function localOptions(alg, backend) {
  return alg === 'HS256'
    ? { mode: 'local', secret: 'demo-secret', algorithms: ['HS256'] }
    : { mode: 'local', jwksUrl: `${backend.url}/.well-known/jwks.json`, algorithms: [alg] }
}

for (const alg of ['HS256', 'RS256', 'ES256']) {
  test(`${alg}: 200 distinct users verified locally, no auth/me call`, async () => {
    const backend = await startBackend({ JWT_ALG: alg })
    backends.push(backend)
    const proxy = proxyFor(backend, localOptions(alg, backend))
    const tokens = []
    for (let i = 0; i < 200; i += 1) tokens.push((await backend.mint({ sub: `u${i}` })).token)
    await backend.reset()
    for (const [i, token] of tokens.entries()) {
      const [res, user] = await visit(proxy, `userToken=${token}`)
      assert.equal(res.headers.get('x-middleware-next'), '1', `user ${i} goes on`)
      assert.equal(user.sub, `u${i}`)
    }
    assert.equal(await backend.count('GET /auth/me'), 0)
    assert.equal(await backend.count('GET /.well-known/jwks.json'), alg === 'HS256' ? 0 : 1)
    const s = proxy.stats()
    assert.equal(s.localVerifications, 200)
    assert.equal(s.backendValidateCalls, 0)
    // all but (for JWKS) the very first request were answered synchronously
    assert.equal(s.asyncDecisions, alg === 'HS256' ? 0 : 1)

    // A tampered token: refused with no backend call at all (no validate, no refresh).
    const t = tokens[0]
    const forged = `${t.slice(0, -4)}${t.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`
    const res = await proxy(request('/dashboard', `userToken=${forged}`))
    assert.equal(res.status, 307)
    assert.match(res.headers.get('location'), /\/login/)
    assert.equal(await backend.count('GET /auth/me'), 0)
    assert.equal(await backend.count('POST /auth/refresh'), 0)

    // A genuine expired token (of a user the backend knows) is still refreshed by the backend.
    const expired = await backend.mint({ sub: '2', ttl: -30 })
    const [refreshed, user] = await visit(proxy, `userToken=${expired.token}`)
    assert.equal(refreshed.headers.get('x-middleware-next'), '1')
    assert.equal(await backend.count('POST /auth/refresh'), 1)
    assert.equal(user.sub, '2')
    assert.equal(await backend.count('GET /auth/me'), 0, 'the new token is verified locally too')
  })
}

test('RS256: key rotation at the backend is picked up without a restart (one unknown-kid refetch)', async () => {
  const backend = await startBackend({ JWT_ALG: 'RS256' })
  backends.push(backend)
  // a short cooldown: an unknown kid may refetch 0.2 s after the previous fetch (default 30 s)
  const proxy = proxyFor(backend, { ...localOptions('RS256', backend), jwksCooldown: 0.2 })
  const before = await backend.mint({ sub: 'before' })
  assert.equal((await visit(proxy, `userToken=${before.token}`))[1].sub, 'before')
  await backend.rotate()
  await new Promise((r) => setTimeout(r, 300))
  const rotated = await backend.mint({ sub: 'after' })
  for (let i = 0; i < 20; i += 1) {
    const [, user] = await visit(proxy, `userToken=${rotated.token}`)
    assert.equal(user.sub, 'after')
  }
  assert.equal(await backend.count('GET /.well-known/jwks.json'), 2)
  assert.equal(proxy.stats().jwksUnknownKidRefetches, 1)
  // the previous key stays published, so tokens issued before the rotation still pass
  assert.equal((await visit(proxy, `userToken=${before.token}`))[1].sub, 'before')
  assert.equal(await backend.count('GET /auth/me'), 0)
})

test('getServerUser judges with the proxy engine: same local verification, no backend call', async () => {
  const backend = await startBackend({ JWT_ALG: 'ES256' })
  backends.push(backend)
  const proxy = createAuthProxy({
    apiBaseUrl: backend.url,
    validate: localOptions('ES256', backend),
  })
  const { token } = await backend.mint({ sub: 'server-side' })
  // warm the JWKS through the proxy, then a route handler's request (no x-auth-user header)
  await proxy(request('/', `userToken=${token}`))
  const other = await backend.mint({ sub: 'second' })
  const req = new Request('http://app.test/api/me', {
    headers: { cookie: `userToken=${other.token}` },
  })
  const result = await getServerUser({ request: req, apiBaseUrl: backend.url })
  assert.equal(result.isAuthenticated, true)
  assert.equal(result.user.sub, 'second')
  assert.equal(
    proxy.stats().localVerifications,
    2,
    'the second token was verified by the same engine',
  )
  assert.equal(await backend.count('GET /auth/me'), 0)
  // and on its own, with validate passed to getServerUser
  const alone = await getServerUser({
    request: req,
    apiBaseUrl: backend.url,
    validate: { ...localOptions('ES256', backend), leewaySeconds: 1 },
  })
  assert.equal(alone.user.sub, 'second')
  assert.equal(await backend.count('GET /auth/me'), 0)
})

test("next-api-layer 0.4's validate.verify hook (async) judges tokens in JS", async () => {
  const backend = await startBackend()
  backends.push(backend)
  const seen = []
  const proxy = proxyFor(backend, {
    mode: 'local',
    verify: async (token) => {
      seen.push(token)
      return token === 'good'
        ? { isValid: true, tokenType: 'user', exp: null, userData: { id: 7 } }
        : null
    },
  })
  const [, okUser] = await visit(proxy, 'userToken=good')
  assert.equal(okUser.id, 7)
  const bad = await proxy(request('/dashboard', 'userToken=bad'))
  assert.equal(bad.status, 307)
  assert.deepEqual(seen, ['good', 'bad'])
  assert.equal(await backend.count('GET /auth/me'), 0)
})

test('bad validate options throw at construction, naming the option', () => {
  const base = { apiBaseUrl: 'http://127.0.0.1:9' }
  const cases = [
    [{ mode: 'local' }, /validate/],
    [{ mode: 'local', secret: 's', algorithms: ['none'] }, /validate\.algorithms\[0\]/],
    [{ mode: 'local', secret: 's', algorithms: ['RS256'] }, /validate\.algorithms\[0\]/],
    [{ mode: 'local', publicKey: 'not a pem' }, /validate\.publicKey/],
    [{ mode: 'jwt' }, /validate\.mode/],
    [{ mode: 'local', secret: 's', userFromClaims: () => ({}) }, /validate\.userFromClaims/],
    [{ mode: 'local', secret: 's', issuers: ['x'] }, /validate\.issuers/],
  ]
  for (const [validate, re] of cases) {
    assert.throws(
      () => createAuthProxy({ ...base, validate }),
      (err) => err.code === 'ERR_CONFIG_INVALID' && re.test(err.message),
      JSON.stringify(validate),
    )
  }
})
