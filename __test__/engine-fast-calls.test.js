// `Engine.prototype.decidePacked` and `validateCached` are plain Node-API callbacks installed
// when the addon loads (src/napi/fast_calls.rs), in place of the generated methods. They must
// answer and throw exactly as the generated methods did: same results through the real
// demo backend, a TypeError for a receiver that is not an Engine (never a blind cast), the
// napi-rs conversion error for an argument that is not a string; validateCached's object is
// built by hand and must equal the generated conversion's, key order included.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const native = require('../js/shared/native.js')
const { startBackend } = require('../examples/backend/spawn.js')
const { packFacts, unpackDecision } = require('../js/shared/wire.js')

test('a cache hit answers through the fast calls as the object form does', async (t) => {
  const backend = await startBackend()
  t.after(() => backend.stop())
  const { token } = await backend.mint({ sub: '1' })
  const engine = new native.Engine(
    JSON.stringify({
      apiBaseUrl: backend.url,
      access: { protectedRoutes: ['/dashboard/**'], loginPath: '/login' },
      // the signed user in every answer, so the packed one shows it ('auto' skips it here)
      userHeader: 'always',
    }),
  )
  assert.equal(engine.validateCached(token), null, 'not judged yet')
  assert.equal(engine.validateCached(''), null)
  const facts = { method: 'GET', path: '/dashboard', cookie: `userToken=${token}` }
  assert.equal((await engine.decideAsync(facts)).kind, 'next')
  const v = engine.validateCached(token)
  // The same object as the generated TokenValidation conversion made, in its key order.
  assert.deepEqual(Object.keys(v), [
    'status',
    'isGuest',
    'userJson',
    'xAuthUser',
    'tokenType',
    'exp',
  ])
  assert.equal(v.status, 'valid')
  assert.equal(v.tokenType, 'user')
  assert.equal(v.exp, JSON.parse(v.userJson).exp)
  assert.equal(JSON.parse(v.userJson).email, 'demo@example.com')
  assert.equal(v.isGuest, false)
  assert.equal(typeof v.xAuthUser, 'string')
  // The packed decision of the warm token says what the object form says, the user included.
  const req = {
    method: 'GET',
    headers: new Headers({ cookie: facts.cookie }),
    url: 'http://app.test/dashboard',
  }
  const answer = engine.decidePacked(packFacts(req, undefined, true))
  const packed = unpackDecision(answer, true)
  const obj = engine.decide(facts)
  for (const k of ['kind', 'status', 'requestHeaders', 'setCookies']) {
    assert.deepEqual(packed[k], obj[k], k)
  }
  assert.equal(packed.auth.isAuthenticated, true)
  assert.equal(packed.auth.userJson, obj.auth.userJson)
  assert.ok(answer.includes(v.xAuthUser), 'the signed user header travels in the answer')
})

test('a rejected or revoked token answers { status, isGuest } only', async (t) => {
  const backend = await startBackend()
  t.after(() => backend.stop())
  const { token } = await backend.mint({ sub: '1' })
  const engine = new native.Engine(
    JSON.stringify({ apiBaseUrl: backend.url, cache: { negativeTtl: 60000 } }),
  )
  await engine.decideAsync({ method: 'GET', path: '/', cookie: 'userToken=not.a.token' })
  assert.deepStrictEqual(engine.validateCached('not.a.token'), {
    status: 'rejected',
    isGuest: false,
  })
  await engine.decideAsync({ method: 'GET', path: '/', cookie: `userToken=${token}` })
  assert.equal(engine.validateCached(token).status, 'valid')
  engine.revokeToken(token)
  assert.deepStrictEqual(engine.validateCached(token), { status: 'rejected', isGuest: false })
})

test('a user with non-ASCII text comes back intact (UTF-8 and ASCII strings alike)', () => {
  const secret = 'fast-calls-test-secret-32-chars-x'
  const b64u = (x) => Buffer.from(x).toString('base64url')
  const head = b64u(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const exp = Math.floor(Date.now() / 1000) + 600
  const body = b64u(JSON.stringify({ sub: '1', name: 'Zoë Démo ✓', type: 'user', exp }))
  const sig = b64u(crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest())
  const engine = new native.Engine(
    JSON.stringify({
      apiBaseUrl: 'http://127.0.0.1:9',
      validate: { mode: 'local', secret, algorithms: ['HS256'] },
    }),
  )
  const v = engine.validateCached(`${head}.${body}.${sig}`)
  assert.equal(JSON.parse(v.userJson).name, 'Zoë Démo ✓')
  assert.equal(JSON.parse(Buffer.from(v.xAuthUser, 'base64').toString('utf8')).name, 'Zoë Démo ✓')
  assert.equal(v.exp, exp)
})

test('arguments longer than the stack buffer (4 KiB) and multi-byte text read whole', async (t) => {
  const backend = await startBackend()
  t.after(() => backend.stop())
  const { token } = await backend.mint({ sub: '1' })
  const engine = new native.Engine(
    JSON.stringify({ apiBaseUrl: backend.url, userHeader: 'always' }),
  )
  await engine.decideAsync({ method: 'GET', path: '/', cookie: `userToken=${token}` })
  // around the 4096-byte buffer: ASCII and two- and three-byte characters cut at its end
  for (const pad of [
    'x'.repeat(3000),
    'x'.repeat(4085),
    'é'.repeat(2045),
    '✓'.repeat(1400),
    'x'.repeat(9000),
  ]) {
    const facts = { method: 'GET', path: '/x', cookie: `a=${pad}; userToken=${token}` }
    let packed = 'a'
    for (const { name } of native.wireFormat().facts) packed += `\n${facts[name] ?? ''}`
    const answer = unpackDecision(engine.decidePacked(packed), true)
    assert.equal(answer.auth.isAuthenticated, true, `${pad.length} × ${pad[0]}`)
    assert.equal(engine.validateCached(`${token}${pad}`), null)
  }
  // a token read whole from a long argument is found, a cut one would not be
  const long = `${token}.${'y'.repeat(5000)}`
  assert.equal(engine.validateCached(long), null)
  assert.equal(engine.validateCached(token).status, 'valid')
})

test('a receiver that is not an Engine is refused, not cast', () => {
  const engine = new native.Engine(JSON.stringify({ apiBaseUrl: 'http://127.0.0.1:9' }))
  const strangers = [{}, undefined, Object.create(native.Engine.prototype), new Map()]
  // userOf (getServerUser's lookup) shares the receiver check with the two fast calls
  for (const name of ['decidePacked', 'validateCached', 'userOf']) {
    for (const who of strangers) {
      assert.throws(() => engine[name].call(who, 'x'), {
        name: 'TypeError',
        message: 'Illegal invocation',
      })
    }
  }
})

test('an argument that is not a string throws the conversion error', () => {
  const engine = new native.Engine(JSON.stringify({ apiBaseUrl: 'http://127.0.0.1:9' }))
  for (const name of ['decidePacked', 'validateCached']) {
    for (const bad of [undefined, 5, null, {}]) {
      assert.throws(() => engine[name](bad), { code: 'StringExpected' }, `${name}(${bad})`)
    }
  }
})
