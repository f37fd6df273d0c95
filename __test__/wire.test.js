// The hot path's wire format is declared once, in the engine (src/auth/wire.rs); the adapter
// builds its packer and unpacker from it (js/shared/wire.js). These tests fail when the two
// sides disagree on any field: every fact goes in and comes out under its own name, and every
// decision read back from the packed form equals the engine's object form.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const native = require('../js/shared/native.js')
const {
  FORMAT,
  carriesInternal,
  makePacker,
  packFacts,
  factsOf,
  unpackDecision,
} = require('../js/shared/wire.js')

/** A request-like object with a distinct value for every fact the format declares. */
function markedRequest() {
  const headers = new Headers()
  for (const f of FORMAT.facts) if (f.kind === 'header') headers.set(f.header, `h-${f.header}`)
  headers.set('x-my-csrf', 'csrf-value')
  // A client-sent copy of an internal-only fact must never reach the engine.
  headers.set('x-refreshed-token', 'forged')
  return {
    method: 'PATCH',
    headers,
    nextUrl: new URL('http://app.test/a%20b/c?q=1&r=2'),
    url: 'http://app.test/a%20b/c?q=1&r=2',
    ip: '192.0.2.7',
  }
}

const EXPECTED = {
  method: () => 'PATCH',
  path: () => '/a%20b/c',
  search: () => '?q=1&r=2',
  header: (f) => `h-${f.header}`,
  csrfHeader: () => 'csrf-value',
  ip: () => '192.0.2.7',
  rateLimitKey: () => 'key-1',
  internal: () => undefined,
}

test('every fact goes through the wire under its own name', () => {
  const req = markedRequest()
  const packed = packFacts(req, 'x-my-csrf', true, 'key-1')
  assert.equal(packed.split('\n').length, FORMAT.facts.length + 1)
  const got = native.wireUnpackFacts(packed)
  for (const f of FORMAT.facts) {
    assert.ok(f.kind in EXPECTED, `the test knows fact source ${f.kind}`)
    assert.equal(got[f.name] ?? undefined, EXPECTED[f.kind](f), `fact ${f.name}`)
  }
  // The client-sent internal header is flagged (`i`): the adapter strips it, so the engine
  // sends the user header along. A flag, not a field of the format.
  assert.equal(got.carriesInternal, true)
  // Nothing the engine reads is missing from the format.
  for (const k of Object.keys(got)) {
    if (k === 'carriesInternal') continue
    if (got[k] !== undefined && got[k] !== null) {
      assert.ok(
        FORMAT.facts.some((f) => f.name === k),
        `${k} is in the format`,
      )
    }
  }
  // The object form is the same facts.
  const obj = factsOf(req, 'x-my-csrf', 'key-1')
  assert.deepEqual(
    Object.keys(obj),
    FORMAT.facts.map((f) => f.name),
  )
  for (const f of FORMAT.facts) assert.equal(obj[f.name], got[f.name] ?? undefined, f.name)
})

test('the internal-header flag: set by any internal header in any case, and only then', () => {
  const packedFor = (headers) =>
    native.wireUnpackFacts(
      packFacts({ method: 'GET', headers: new Headers(headers), url: 'http://app.test/' }),
    ).carriesInternal
  assert.equal(packedFor({ cookie: 'userToken=t', accept: 'text/html' }), undefined)
  for (const name of ['x-auth-user', 'X-Auth-User-Sig', 'x-refreshed-token', 'x-locale']) {
    assert.equal(packedFor({ cookie: 'userToken=t', [name]: 'forged' }), true, name)
  }
})

test('the default CSRF header and absent facts', () => {
  const req = {
    method: 'GET',
    headers: new Headers({ 'x-csrf-token': 't' }),
    url: 'http://app.test/',
  }
  const got = native.wireUnpackFacts(packFacts(req, undefined, false, undefined))
  assert.equal(got.xCsrfToken, 't')
  assert.equal(got.cookie ?? undefined, undefined)
  assert.equal(got.path, '/')
})

/** An absent optional is a missing key, `null` or `undefined` depending on the form: drop it. */
function normalise(v) {
  if (v === null || v === undefined) return undefined
  if (Array.isArray(v)) return v.map(normalise)
  if (typeof v === 'object') {
    const out = {}
    for (const [k, x] of Object.entries(v)) if (normalise(x) !== undefined) out[k] = normalise(x)
    return out
  }
  return v
}

test('every decision field read back from the packed form equals the object form', () => {
  const config = (extra) =>
    JSON.stringify({
      apiBaseUrl: 'http://127.0.0.1:9',
      access: {
        protectedRoutes: ['/dashboard/**', '/api/profile/**'],
        publicRoutes: ['/api/posts/**'],
      },
      i18n: { locales: ['en', 'de'], defaultLocale: 'en' },
      cache: { ttl: 1000, maxSize: 10 },
      ...extra,
    })
  const engine = new native.Engine(config({}))
  const req = (path, headers = {}, method = 'GET') => ({
    method,
    headers: new Headers({ host: 'app.test', ...headers }),
    url: `http://app.test${path}`,
  })
  const cases = [
    req('/de/posts', { accept: 'text/html' }),
    req('/dashboard/x?tab=1', { accept: 'text/html', 'sec-fetch-mode': 'navigate' }),
    req('/api/profile', { accept: 'application/json' }),
    req('/api/posts/1', {}, 'POST'),
    req('/dashboard', { cookie: 'userToken=abc' }),
  ]
  const kinds = new Set()
  let bare = 0
  for (const r of cases) {
    for (const withAuth of [false, true]) {
      const obj = normalise(engine.decide(factsOf(r)))
      const answer = engine.decidePacked(packFacts(r, undefined, withAuth))
      if (answer === 'n') bare += 1
      const packed = unpackDecision(answer, withAuth)
      if (!withAuth) delete obj.auth
      if (obj.kind === 'pending') {
        assert.equal(packed.kind, 'pending')
        kinds.add('pending')
        continue
      }
      assert.deepEqual(normalise(packed), obj, `${r.method} ${r.url}`)
      kinds.add(obj.kind)
    }
  }
  // The cases reach every kind of decision (so every field was compared with content).
  assert.deepEqual([...kinds].sort(), ['json', 'next', 'pending', 'redirect'])
  assert.ok(bare > 0, 'a bare next went through the one-letter form')
  // Rate limited: the 429 carries response headers through the wire too.
  const limiter = new native.Engine(config({ rateLimit: { maxRequests: 2 } }))
  const limited = req('/de/posts')
  let last
  for (let i = 0; i < 4; i++) {
    last = unpackDecision(limiter.decidePacked(packFacts(limited, undefined, true, 'same')), true)
  }
  assert.equal(last.status, 429)
  assert.ok(last.responseHeaders.length > 0)
  // Same answer in object form (values such as the reset time may tick; names and status match).
  const again = normalise(limiter.decide(factsOf(limited, undefined, 'same')))
  assert.equal(again.status, 429)
  const names = (h) => h.filter((_, i) => i % 2 === 0)
  assert.deepEqual(names(last.responseHeaders), names(again.responseHeaders))
})

test('every field of the declared format is read by name', () => {
  const empty = { str: '', bool: '', num: '0', list: '0' }
  const head = FORMAT.decision.map((f) => empty[f.kind]).join('\n')
  const d = unpackDecision(head, false)
  assert.deepEqual(Object.keys(d), [...FORMAT.decision.map((f) => f.name), 'auth'])
  // The one-letter bare `next` reads as the same fields, and as the full form of that decision.
  const bare = unpackDecision('n', false)
  assert.deepEqual(Object.keys(bare), Object.keys(d))
  assert.deepEqual(bare, { ...d, kind: 'next', status: 200 })
  const tail = FORMAT.auth.map((f) => empty[f.kind]).join('\n')
  const withAuth = unpackDecision(`${head}\n${tail}`, true)
  assert.deepEqual(
    Object.keys(withAuth.auth),
    FORMAT.auth.map((f) => f.name),
  )
  assert.equal(withAuth.auth.isAuthenticated, false)
})

test('one pass over the headers reads what Headers#get reads, also a CSRF header named like another fact', () => {
  const req = markedRequest()
  req.headers.append('cookie', 'second=2')
  const got = native.wireUnpackFacts(packFacts(req, 'Origin', false))
  assert.equal(got.cookie, req.headers.get('cookie'))
  assert.equal(got.origin, 'h-origin')
  assert.equal(got.xCsrfToken, 'h-origin')
})

test("the adapter's reading of the internal-header flag agrees with the engine's, whatever the other flags", () => {
  const bools = [false, true]
  for (const keep of bools) {
    const pack = makePacker(undefined, keep)
    for (const internal of bools) {
      for (const wantAuth of bools) {
        for (const prefetch of [undefined, false, true]) {
          const headers = new Headers({ cookie: 'userToken=t', 'x-http-method-override': 'PUT' })
          if (internal) headers.set('x-auth-user-sig', 'forged')
          const req = { method: 'GET', headers, url: 'http://app.test/x' }
          const over = prefetch === undefined ? undefined : { prefetch }
          const packed = pack(req, wantAuth, undefined, over)
          const flags = packed.split('\n')[0]
          const got = native.wireUnpackFacts(packed)
          assert.equal(carriesInternal(packed), internal, flags)
          assert.equal(got.carriesInternal ?? false, internal)
          assert.equal(got.prefetch ?? false, prefetch === true)
          // the keep flag (js/proxy/decision-memo.js) comes after `a` and `i`, when asked for
          assert.equal(flags.endsWith('m') || flags.endsWith('mp'), keep, flags)
          // the override header is still read in the same pass
          assert.equal(got.method, 'PUT')
        }
      }
    }
  }
})
