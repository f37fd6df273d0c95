// createApiClient against the demo backend process (random port): every option, each error class
// from a real failure, retry and dedupe counts as seen by the backend, the token cascade with real
// cookies (NextRequest), a 50 MB body and nesting depth 100000.

const { test, before, after } = require('node:test')
const { refreshedByProxy } = require('./helpers/refreshed.js')
const assert = require('node:assert/strict')
const { assertConfigErrors } = require('./helpers/config.js')
const net = require('node:net')
const { NextRequest } = require('next/server')
const { startBackend } = require('../examples/backend/spawn.js')
const { createApiClient, createRedactor } = require('../js/api/api-client.js')
const errors = require('../js/api/errors.js')

let backend
let user // demo@example.com (id 1), via a real login
let jane // jane@example.com (id 2)
let guest
let closedPort

async function login(email) {
  const res = await fetch(`${backend.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'password' }),
  })
  assert.equal(res.status, 200)
  return (await res.json()).data.token
}

before(async () => {
  backend = await startBackend()
  user = await login('demo@example.com')
  jane = await login('jane@example.com')
  const g = await fetch(`${backend.url}/auth/guest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'guest', password: 'guest-secret' }),
  })
  guest = (await g.json()).data.token
  closedPort = await new Promise((resolve) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
})

after(async () => {
  await backend?.stop()
})

/** A client whose request context is a cookie header (as a browser would send it). */
function client(extra = {}, cookie = `userToken=${user}`) {
  return createApiClient({ apiBaseUrl: backend.url, getCookies: () => cookie, ...extra })
}

async function count(route) {
  return backend.count(route)
}

// ------------------------------------------------------------------ token cascade

test('token cascade with real cookies: x-refreshed-token, then user cookie, then guest cookie', async () => {
  const api = createApiClient({ apiBaseUrl: backend.url })
  const req = (headers) => new NextRequest('http://app.test/page', { headers })
  const ctx = (r) => ({ context: { headers: r.headers, cookies: r.cookies } })

  const both = req({ cookie: `guestToken=${guest}; userToken=${user}` })
  let r = await api.get('auth/me', ctx(both))
  assert.equal(r.success, true)
  assert.equal(r.data.id, 1)

  r = await api.get('auth/me', ctx(req({ cookie: `guestToken=${guest}` })))
  assert.equal(r.data.type, 'guest')

  // the auth proxy's signed x-refreshed-token wins over the cookie; a client-sent (unsigned)
  // one is not believed
  const signed = await refreshedByProxy(backend, '2')
  const refreshed = req({
    cookie: `userToken=${user}`,
    'x-refreshed-token': signed.fresh,
    'x-refreshed-token-sig': signed.sig,
  })
  r = await api.get('auth/me', ctx(refreshed))
  assert.equal(r.data.id, 2, 'the refreshed token wins over the cookie')
  const forged = req({ cookie: `userToken=${user}`, 'x-refreshed-token': jane })
  r = await api.get('auth/me', ctx(forged))
  assert.equal(r.data.id, 1, 'an unsigned x-refreshed-token is ignored')

  // custom cookie names
  const named = createApiClient({ apiBaseUrl: backend.url, cookies: { user: 'u_t', guest: 'g_t' } })
  r = await named.get('auth/me', { context: { cookies: `u_t=${jane}` } })
  assert.equal(r.data.id, 2)
})

test('no token: AuthError(no_token) with errorMessages.noToken, backend not called', async () => {
  await backend.reset()
  const api = client({ errorMessages: { noToken: 'Please sign in.' } }, '')
  const r = await api.get('auth/me')
  assert.equal(r.success, false)
  assert.equal(r.status, 401)
  assert.equal(r.message, 'Please sign in.')
  assert.ok(errors.isAuthError(r.error))
  assert.equal(r.error.reason, 'no_token')
  assert.equal(await count('GET /auth/me'), 0)
})

test('outside a Next.js request scope without context: no token, no crash', async () => {
  const api = createApiClient({ apiBaseUrl: backend.url })
  const r = await api.get('auth/me')
  assert.equal(r.status, 401)
  assert.equal(r.error.reason, 'no_token')
})

test('auth.publicEndpoints, auth.skipByDefault and per-request skipAuth', async () => {
  const api = client({ auth: { publicEndpoints: ['echo/public/**', 'posts'] } })
  let r = await api.get('echo/public/a/b')
  assert.equal(r.data.headers.authorization, undefined, 'public endpoint gets no credentials')
  r = await api.get('echo/private')
  assert.equal(r.data.headers.authorization, `Bearer ${user}`)
  r = await api.get('echo/public/x', { skipAuth: false })
  assert.equal(r.data.headers.authorization, `Bearer ${user}`)
  r = await api.get('echo/private', { skipAuth: true })
  assert.equal(r.data.headers.authorization, undefined)

  const open = client({ auth: { skipByDefault: true } }, '')
  r = await open.get('posts')
  assert.equal(r.success, true)
  r = await client({ auth: { skipByDefault: true } }).get('echo/x', { skipAuth: false })
  assert.equal(r.data.headers.authorization, `Bearer ${user}`)
})

// ------------------------------------------------------------------ request shaping

test('i18n: x-locale becomes ?lang=, paramName, locales filter and defaultLocale', async () => {
  const headers = { 'x-locale': 'tr' }
  let api = createApiClient({
    apiBaseUrl: backend.url,
    i18n: { enabled: true },
    auth: { skipByDefault: true },
  })
  let r = await api.get('echo/i18n', { context: { headers } })
  assert.equal(r.data.query, '?lang=tr')
  api = createApiClient({
    apiBaseUrl: backend.url,
    i18n: { paramName: 'locale', locales: ['en', 'de'], defaultLocale: 'en' },
    auth: { skipByDefault: true },
  })
  r = await api.get('echo/i18n', { context: { headers } })
  assert.equal(r.data.query, '?locale=en', 'a locale outside locales falls back to defaultLocale')
  r = await api.get('echo/i18n', { context: { headers: { 'x-locale': 'de' } }, params: { q: 'x' } })
  assert.equal(r.data.query, '?q=x&locale=de')
})

test('params: arrays repeat, null/undefined are left out, values encoded', async () => {
  const r = await client().get('echo/p', {
    params: { a: 1, b: [2, 3], c: null, d: undefined, e: 'x y&z' },
  })
  assert.equal(r.data.query, '?a=1&b=2&b=3&e=x+y%26z')
})

test('defaultHeaders, per-request headers and requestId', async () => {
  let api = client({
    defaultHeaders: { 'X-Api-Key': 'k1', 'Accept-Language': 'tr' },
    requestId: { enabled: true },
  })
  let r = await api.get('echo/h', { headers: { 'x-extra': 'e' } })
  assert.equal(r.data.headers['x-api-key'], 'k1')
  assert.equal(r.data.headers['accept-language'], 'tr')
  assert.equal(r.data.headers['x-extra'], 'e')
  assert.match(r.data.headers['x-request-id'], /^[0-9a-f-]{36}$/)
  assert.equal(r.requestId, r.data.headers['x-request-id'])

  let n = 0
  api = client({
    requestId: { enabled: true, headerName: 'X-Correlation-ID', generator: () => `id-${++n}` },
  })
  r = await api.get('echo/h')
  assert.equal(r.data.headers['x-correlation-id'], 'id-1')
  r = await api.get('echo/h', { requestId: 'mine' })
  assert.equal(r.data.headers['x-correlation-id'], 'mine')
  r = await client().get('echo/h', { requestId: true })
  assert.match(r.data.headers['x-request-id'], /^[0-9a-f-]{36}$/)
  r = await client().get('echo/h')
  assert.equal(r.data.headers['x-request-id'], undefined)
})

test('methodSpoofing: body strategy for JSON and FormData, header strategy, per-request override', async () => {
  let api = client({ methodSpoofing: true })
  let r = await api.put('echo/s', { name: 'x' })
  assert.equal(r.data.method, 'POST')
  assert.deepEqual(JSON.parse(r.data.body), { name: 'x', _method: 'PUT' })
  r = await api.delete('echo/s')
  assert.equal(r.data.method, 'POST')
  assert.deepEqual(JSON.parse(r.data.body), { _method: 'DELETE' })
  const fd = new FormData()
  fd.append('name', 'form')
  r = await api.patch('echo/s', fd, { isFormData: true })
  assert.equal(r.data.method, 'POST')
  assert.match(r.data.headers['content-type'], /^multipart\/form-data/)
  assert.match(r.data.body, /name="_method"\r\n\r\nPATCH/)
  r = await api.put('echo/s', { a: 1 }, { methodSpoofing: false })
  assert.equal(r.data.method, 'PUT')
  r = await api.post('echo/s', { a: 1 })
  assert.equal(r.data.method, 'POST')
  assert.deepEqual(JSON.parse(r.data.body), { a: 1 }, 'POST is never spoofed')

  api = client({ methodSpoofing: { enabled: true, strategy: 'header' } })
  r = await api.patch('echo/s', { a: 1 })
  assert.equal(r.data.method, 'POST')
  assert.equal(r.data.headers['x-http-method-override'], 'PATCH')
  assert.deepEqual(JSON.parse(r.data.body), { a: 1 })
  api = client({ methodSpoofing: { fieldName: '__m' } })
  r = await api.delete('echo/s', { id: 3 }, {})
  assert.deepEqual(JSON.parse(r.data.body), { id: 3, __m: 'DELETE' })
})

test('FormData bodies are sanitized (files and password fields untouched); isFormData', async () => {
  const fd = new FormData()
  fd.append('name', '<b>Jane</b>')
  fd.append('password', 'p<ss<word')
  fd.append('file', new Blob(['<script>raw file</script>']), 'f.html')
  // skipSanitizeFields: the echoed multipart text comes back in `data.body`
  const r = await client().post('echo/f', fd, { isFormData: true, skipSanitizeFields: ['body'] })
  assert.match(r.data.body, /name="name"\r\n\r\nJane\r\n/)
  assert.match(r.data.body, /name="password"\r\n\r\np<ss<word\r\n/)
  assert.match(r.data.body, /<script>raw file<\/script>/)
  const bad = await client().post('echo/f', { a: 1 }, { isFormData: true })
  assert.equal(bad.error.code, 'BODY_INVALID')
})

test('next / cache options are passed to fetch', async () => {
  const seen = []
  const realFetch = globalThis.fetch
  globalThis.fetch = (url, init) => {
    seen.push(init)
    return realFetch(url, { ...init, next: undefined })
  }
  try {
    const r = await client().get('posts', {
      next: { revalidate: 60, tags: ['posts'] },
      cache: 'force-cache',
    })
    assert.equal(r.success, true)
  } finally {
    globalThis.fetch = realFetch
  }
  assert.deepEqual(seen[0].next, { revalidate: 60, tags: ['posts'] })
  assert.equal(seen[0].cache, 'force-cache')
})

// ------------------------------------------------------------------ responses and sanitization

test('responses are sanitized natively (strip by default); the demo posts lose their XSS', async () => {
  const r = await client().get('posts')
  assert.equal(r.success, true)
  assert.ok(Array.isArray(r.data) && r.data.length > 0)
  const raw = await (await fetch(`${backend.url}/posts`)).json()
  assert.ok(
    raw.data.some((p) => /<script|onerror/i.test(p.body)),
    'the backend does send XSS',
  )
  for (const p of r.data) {
    assert.doesNotMatch(p.body, /<[a-z!/?]/i, `markup left in post ${p.id}: ${p.body}`)
  }
})

test('sanitization options: disabled, escape, allowList, skipFields, skipEndpoints, per-request skips', async () => {
  const body = { html: '<b>b</b>', other: '<i>i</i>', title: 'a < b' }
  const echoBack = async (api, options) => {
    const r = await api.post('echo/san', body, { skipSanitize: true, ...options })
    return JSON.parse(r.data.body)
  }
  // the echo returns our JSON body as a string field; sanitize the string we get back instead
  const get = async (api, endpoint, options) => (await api.get(endpoint, options)).data
  const xss = encodeURIComponent('<img src=x onerror=alert(1)>ok')
  let api = client({ sanitization: { enabled: false } })
  assert.equal((await get(api, `echo/x?v=${xss}`)).query, `?v=${xss}`)
  assert.deepEqual(await echoBack(api), body)

  api = client()
  let d = await get(api, 'echo/x', { headers: { 'x-v': '<b>bold</b>' } })
  assert.equal(d.headers['x-v'], 'bold')
  api = client({ sanitization: { mode: 'escape' } })
  d = await get(api, 'echo/x', { headers: { 'x-v': '<b>"q"</b>' } })
  assert.equal(d.headers['x-v'], '&lt;b&gt;&quot;q&quot;&lt;/b&gt;')
  api = client({ sanitization: { mode: 'allowList', allowedTags: ['b'] } })
  d = await get(api, 'echo/x', { headers: { 'x-v': '<b onclick="x()">b</b><i>i</i>' } })
  assert.equal(d.headers['x-v'], '<b>b</b>i')
  api = client({ sanitization: { skipFields: ['x-v'] } })
  d = await get(api, 'echo/x', { headers: { 'x-v': '<b>kept</b>', 'x-w': '<b>gone</b>' } })
  assert.equal(d.headers['x-v'], '<b>kept</b>')
  assert.equal(d.headers['x-w'], 'gone')
  api = client({ sanitization: { skipEndpoints: ['echo/raw/**'] } })
  d = await get(api, 'echo/raw/a', { headers: { 'x-v': '<b>kept</b>' } })
  assert.equal(d.headers['x-v'], '<b>kept</b>')
  d = await get(api, 'echo/cooked', { headers: { 'x-v': '<b>gone</b>' } })
  assert.equal(d.headers['x-v'], 'gone')
  api = client()
  d = await get(api, 'echo/x', { headers: { 'x-v': '<b>kept</b>' }, skipSanitize: true })
  assert.equal(d.headers['x-v'], '<b>kept</b>')
  d = await get(api, 'echo/x', {
    headers: { 'x-v': '<b>kept</b>', 'x-w': '<b>w</b>' },
    skipSanitizeFields: ['x-v'],
  })
  assert.equal(d.headers['x-v'], '<b>kept</b>')
  assert.equal(d.headers['x-w'], 'w')
  // outgoing JSON bodies are sanitized too, password-like fields excepted
  const r = await client().post(
    'echo/b',
    { name: '<b>N</b>', password: 'a<b', user: { password_confirmation: 'a<b', bio: '<i>x</i>' } },
    { skipSanitizeFields: ['body'] },
  )
  assert.deepEqual(JSON.parse(r.data.body), {
    name: 'N',
    password: 'a<b',
    user: { password_confirmation: 'a<b', bio: 'x' },
  })
})

test('non-JSON responses: 204, text, binary, gzip', async () => {
  const api = client()
  let r = await api.get('status/204')
  assert.equal(r.success, true)
  assert.equal(r.status, 204)
  assert.equal(r.data, null)
  r = await api.get('events', { params: { count: 2, interval: 1 } })
  assert.equal(typeof r.data, 'string')
  assert.equal(r.data, 'data: {"n":1}\n\ndata: {"n":2}\n\n')
  r = await api.get('download', { params: { bytes: 200000 } })
  assert.ok(Buffer.isBuffer(r.data))
  assert.equal(r.data.length, 200000)
  for (const i of [0, 1, 250, 251, 65535, 65536, 199999])
    assert.equal(r.data[i], i % 251, `byte ${i}`)
  r = await api.get('gzip')
  assert.equal(r.success, true)
  assert.equal(typeof r.data, 'object')
})

test('malformed JSON from the backend is an ApiError INVALID_JSON (sanitized or not)', async () => {
  await backend.faults({ me: { mode: 'malformed' } })
  try {
    for (const opts of [{}, { skipSanitize: true }]) {
      const r = await client().get('auth/me', opts)
      assert.equal(r.success, false)
      assert.ok(errors.isApiError(r.error))
      assert.equal(r.error.code, 'INVALID_JSON')
      assert.equal(r.message, 'Invalid response from server.')
    }
  } finally {
    await backend.reset()
  }
})

test('a 50 MB body is sanitized and parsed', async () => {
  const r = await client().get('big', { params: { mb: 50 } })
  assert.equal(r.success, true)
  assert.ok(r.data.length > 40000, `${r.data.length} posts`)
  assert.equal(r.data[0].id, 1)
  assert.doesNotMatch(r.data[0].body, /<p>/)
  assert.match(r.data[r.data.length - 1].body, /^Lorem ipsum/)
})

test('nesting depth 100000 comes through without a stack overflow', async () => {
  const r = await client().get('deep', { params: { depth: 100000 } })
  assert.equal(r.success, true)
  let depth = 0
  let v = r.data
  while (Array.isArray(v)) {
    depth++
    v = v[0]
  }
  assert.equal(depth, 100000)
})

// ------------------------------------------------------------------ errors

test('each error class from a real failure', async () => {
  const api = client()
  let r = await api.post('validation', { email: '' })
  assert.equal(r.status, 422)
  assert.ok(errors.isValidationError(r.error) && errors.isHttpError(r.error))
  assert.equal(r.error.firstMessage, 'The email field is required.')
  assert.deepEqual(r.error.allMessages, [
    'The email field is required.',
    'The name field must be at least 3 characters.',
  ])
  assert.deepEqual(r.errors, r.error.errors)
  assert.equal(r.message, 'The given data was invalid.')

  r = await api.get('rate-limited')
  assert.equal(r.status, 429)
  assert.ok(errors.isRateLimitError(r.error))
  assert.equal(r.error.retryAfter, 1)
  assert.ok(errors.isRetryableError(r.error))

  r = await api.get('slow', { params: { ms: 3000 }, timeout: 150 })
  assert.equal(r.status, 408)
  assert.ok(errors.isTimeoutError(r.error))
  assert.equal(r.error.timeoutMs, 150)
  assert.equal(r.error.endpoint, 'slow')

  const down = createApiClient({
    apiBaseUrl: `http://127.0.0.1:${closedPort}`,
    getCookies: () => `userToken=${user}`,
    errorMessages: { connectionError: 'Backend unreachable.' },
  })
  r = await down.get('posts')
  assert.equal(r.success, false)
  assert.ok(errors.isNetworkError(r.error))
  assert.equal(r.message, 'Backend unreachable.')
  assert.ok(r.error.cause)

  r = await client({}, 'userToken=not-a-jwt').get('auth/me')
  assert.equal(r.status, 401)
  assert.ok(errors.isAuthError(r.error))
  assert.equal(r.error.reason, 'invalid_token')

  r = await api.get('posts/999999')
  assert.equal(r.status, 404)
  assert.ok(errors.isHttpError(r.error) && r.error.isClientError)
  assert.equal(r.message, 'Post not found.')

  r = await api.get('status/500')
  assert.ok(r.error.isServerError)
  assert.ok(errors.isRetryableStatus(500))
  // 5xx details stay on the server: errorMessages.serverError for the caller and the body
  assert.equal(r.message, 'Server error occurred.')
  assert.equal(r.error.response.message, 'Internal Server Error')
  assert.deepEqual(await r.json(), { success: false, message: 'Server error occurred.' })
  r = await client({ errorMessages: { serverError: 'Try again later.' } }).get('status/503')
  assert.equal(r.status, 503)
  assert.equal(r.message, 'Try again later.')
})

test('errorMessages.timeout and throwOnError (config and per request)', async () => {
  const api = client({ errorMessages: { timeout: 'Too slow.' }, timeout: 100 })
  const r = await api.get('slow', { params: { ms: 2000 } })
  assert.equal(r.message, 'Too slow.')
  await assert.rejects(
    api.get('slow', { params: { ms: 2000 }, throwOnError: true }),
    errors.TimeoutError,
  )
  const throwing = client({ throwOnError: true })
  await assert.rejects(throwing.post('validation', {}), (e) => e instanceof errors.ValidationError)
  const ok = await throwing.get('posts')
  assert.equal(ok.success, true)
})

// ------------------------------------------------------------------ retry

test('retry: counts seen by the backend, Retry-After honoured, backoff shapes', async () => {
  await backend.reset()
  const logs = []
  const logger = (m) => logs.push(m)
  const api = client({
    retry: { enabled: true, maxAttempts: 4, backoffMs: 5 },
    debug: { enabled: true, logger },
  })
  let r = await api.get('flaky', { params: { key: 'a', fail: 2 } })
  assert.equal(r.success, true)
  assert.equal(r.data.attempt, 3)
  assert.equal(r.attempts, 3)
  assert.equal(await count('GET /flaky'), 3)
  assert.ok(logs.some((m) => /retry 2\/4 in 5ms/.test(m)))
  assert.ok(
    logs.some((m) => /retry 3\/4 in 10ms/.test(m)),
    'exponential: 5, 10',
  )

  logs.length = 0
  r = await api.get('flaky', { params: { key: 'b', fail: 1, retryAfter: 1 } })
  assert.equal(r.success, true)
  assert.ok(
    logs.some((m) => /retry 2\/4 in 1000ms/.test(m)),
    'Retry-After: 1 -> 1000 ms',
  )

  for (const [backoff, re] of [
    ['linear', /in 5ms[\s\S]*in 10ms[\s\S]*in 15ms/],
    ['fixed', /in 5ms[\s\S]*in 5ms[\s\S]*in 5ms/],
  ]) {
    logs.length = 0
    await backend.reset()
    r = await api.get('status/503', { retry: { backoff, backoffMs: 5, maxAttempts: 4 } })
    assert.equal(r.attempts, 4)
    assert.equal(await count('GET /status/:code'), 4)
    assert.match(logs.join('\n'), re, backoff)
  }
})

test('retry: never for POST unless asked; retryOn; network errors; disabled by default', async () => {
  await backend.reset()
  const api = client({ retry: { enabled: true, backoffMs: 1 } })
  let r = await api.post('status/503', {})
  assert.equal(r.attempts, 1)
  assert.equal(await count('POST /status/:code'), 1)
  r = await api.post('status/503', {}, { retry: true })
  assert.equal(r.attempts, 3)
  assert.equal(await count('POST /status/:code'), 4)
  r = await client({ retry: { enabled: true, backoffMs: 1, retryNonIdempotent: true } }).patch(
    'echo/x',
    {},
  )
  assert.equal(r.attempts, 1, 'success is not retried')

  await backend.reset()
  r = await client({ retry: { enabled: true, backoffMs: 1, retryOn: [502] } }).get('status/503')
  assert.equal(r.attempts, 1)
  r = await client().get('status/503')
  assert.equal(r.attempts, 1, 'retry is off by default')
  assert.equal(await count('GET /status/:code'), 2)

  const down = createApiClient({
    apiBaseUrl: `http://127.0.0.1:${closedPort}`,
    auth: { skipByDefault: true },
    retry: { enabled: true, backoffMs: 1 },
  })
  r = await down.get('x')
  assert.equal(r.attempts, 3)
  assert.ok(errors.isNetworkError(r.error))
  const noNet = createApiClient({
    apiBaseUrl: `http://127.0.0.1:${closedPort}`,
    auth: { skipByDefault: true },
    retry: { enabled: true, backoffMs: 1, retryOnNetworkError: false },
  })
  assert.equal((await noNet.get('x')).attempts, 1)
})

// ------------------------------------------------------------------ dedupe

test('dedupe: identical in-flight GETs of one user share one backend call, each gets its own result', async () => {
  await backend.reset()
  const api = client({ dedupe: { enabled: true } })
  const results = await Promise.all(
    Array.from({ length: 5 }, () => api.get('slow', { params: { ms: 300 } })),
  )
  assert.equal(await count('GET /slow'), 1)
  for (const r of results) assert.deepEqual(r.data, { waited: 300 })
  results[0].data.waited = 'mutated'
  assert.equal(results[1].data.waited, 300, 'results are independent objects')

  // two users never share
  await backend.reset()
  const other = (cookie) =>
    createApiClient({ apiBaseUrl: backend.url, dedupe: true, getCookies: () => cookie })
  const shared = other(`userToken=${user}`)
  const [a, b] = await Promise.all([
    shared.get('auth/me', { params: { t: 1 } }),
    shared.get('auth/me', { params: { t: 1 }, context: { cookies: `userToken=${jane}` } }),
  ])
  assert.equal(a.data.id, 1)
  assert.equal(b.data.id, 2)
  assert.equal(await count('GET /auth/me'), 2)

  // per-request opt-out, and off by default
  await backend.reset()
  await Promise.all([
    api.get('slow', { params: { ms: 100 } }),
    api.get('slow', { params: { ms: 100 }, dedupe: false }),
  ])
  await Promise.all([
    client().get('slow', { params: { ms: 100 } }),
    client().get('slow', { params: { ms: 100 } }),
  ])
  assert.equal(await count('GET /slow'), 4)
})

// ------------------------------------------------------------------ debug

test('debug: masking (case-insensitive and by pattern), summaries, timing', async () => {
  const logs = []
  const api = client({
    debug: {
      enabled: true,
      logHeaders: true,
      logRequestBody: true,
      logResponseBody: true,
      maxStringLength: 20,
      maxArrayItems: 2,
      autoMask: false,
      sensitiveFields: ['pin_code'],
      logger: (message, data) => logs.push({ message, data }),
    },
  })
  await api.post('echo/d', {
    access_token: 'at',
    refreshToken: 'rt',
    Authorization: 'Bearer x',
    'set-cookie': 'a=b',
    PIN_CODE: '1234',
    long: 'x'.repeat(50),
    blob: Buffer.from(Array.from({ length: 120 }, (_, i) => (i * 37) % 256)).toString('base64'),
    list: [1, 2, 3, 4],
    plain: 'visible',
  })
  const req = logs.find((l) => l.message.startsWith('→ POST'))
  assert.equal(req.data.headers.authorization, '[MASKED]')
  assert.equal(req.data.body.access_token, '[MASKED]')
  assert.equal(req.data.body.refreshToken, '[MASKED]')
  assert.equal(req.data.body.Authorization, '[MASKED]')
  assert.equal(req.data.body['set-cookie'], '[MASKED]')
  assert.equal(req.data.body.PIN_CODE, '[MASKED]')
  assert.equal(req.data.body.plain, 'visible')
  assert.match(req.data.body.long, /^x{20}… \(\+30 chars\)$/)
  assert.match(req.data.body.blob, /^\[base64 ~120 bytes\]$/)
  assert.deepEqual(req.data.body.list, [1, 2, '… 2 more items'])
  const res = logs.find((l) => l.message.startsWith('✓ POST'))
  assert.equal(res.data.status, 200)
  assert.equal(typeof res.data.durationMs, 'number')
  assert.equal(
    res.data.body.headers.authorization,
    '[MASKED]',
    'masked inside the echoed response too',
  )

  const { redact } = createRedactor({ maxDepth: 2 })
  const out = redact({
    a: { b: { c: 1 } },
    userPassword: 'p',
    bin: Buffer.alloc(10),
    X_Api_Key: 'k',
  })
  assert.deepEqual(out, {
    a: { b: '[Object]' },
    userPassword: '[MASKED]',
    bin: '[binary 10 bytes]',
    X_Api_Key: '[MASKED]',
  })
})

// ------------------------------------------------------------------ config

test('bad configuration throws ERR_CONFIG_INVALID naming the option', () => {
  const cases = [
    [{}, /apiBaseUrl/],
    [{ apiBaseUrl: 'ftp://x' }, /apiBaseUrl/],
    [{ apiBaseUrl: 'http://x', timeout: -1 }, /timeout/],
    [{ apiBaseUrl: 'http://x', sanitization: { mode: 'nope' } }, /sanitization\.mode/],
    [
      { apiBaseUrl: 'http://x', sanitization: { skipEndpoints: ['a/**b'] } },
      /sanitization\.skipEndpoints/,
    ],
    [{ apiBaseUrl: 'http://x', auth: { publicEndpoints: ['a/**b'] } }, /auth\.publicEndpoints/],
    [{ apiBaseUrl: 'http://x', cookies: { user: 'bad name' } }, /cookies\.user/],
    [{ apiBaseUrl: 'http://x', retry: { backoff: 'random' } }, /retry\.backoff/],
    [{ apiBaseUrl: 'http://x', retry: { maxAttempts: 0 } }, /retry\.maxAttempts/],
    [{ apiBaseUrl: 'http://x', methodSpoofing: { strategy: 'query' } }, /methodSpoofing\.strategy/],
    [{ apiBaseUrl: 'http://x', dedupe: 'yes' }, /^dedupe/],
    [{ apiBaseUrl: 'http://x', dedupe: { methods: 'GET' } }, /dedupe\.methods/],
    [{ apiBaseUrl: 'http://x', requestId: { generator: 'uuid' } }, /requestId\.generator/],
    [{ apiBaseUrl: 'http://x', requestId: { headerName: 'bad name' } }, /requestId\.headerName/],
    [{ apiBaseUrl: 'http://x', defaultHeaders: { 'a b': '1' } }, /defaultHeaders/],
    [{ apiBaseUrl: 'http://x', defaultHeaders: { 'x-n': 1 } }, /defaultHeaders/],
    [{ apiBaseUrl: 'http://x', errorMessages: { timeout: 5 } }, /errorMessages\.timeout/],
    [{ apiBaseUrl: 'http://x', debug: { logger: 'console' } }, /debug\.logger/],
    [{ apiBaseUrl: 'http://x', debug: { maxDepth: -1 } }, /debug\.maxDepth/],
    [{ apiBaseUrl: 'http://x', i18n: { paramName: '' } }, /i18n\.paramName/],
    [{ apiBaseUrl: 'http://x', i18n: { locales: 'en' } }, /i18n\.locales/],
    [{ apiBaseUrl: 'http://x', throwOnError: 'yes' }, /throwOnError/],
    [{ apiBaseUrl: 'http://x', getCookies: 'userToken=x' }, /getCookies/],
  ]
  assertConfigErrors(createApiClient, cases)
})

test('an endpoint cannot leave apiBaseUrl', async () => {
  const api = createApiClient({
    apiBaseUrl: `${backend.url}/echo/base/`,
    auth: { skipByDefault: true },
  })
  const r = await api.get('../../posts')
  assert.equal(r.success, false)
  assert.equal(r.error.code, 'ENDPOINT_INVALID')
  const ok = await api.get('inside')
  assert.equal(ok.data.path, '/echo/base/inside')
})

// ------------------------------------------------------------------ Response compatibility

test('results are real Responses: json(), ok, filtered headers; route handlers can return them', async () => {
  const api = createApiClient({
    apiBaseUrl: backend.url,
    userCookieName: 'ut', // createProxyHandler-style aliases
    publicEndpoints: ['gzip'],
    getCookies: () => `ut=${user}`,
  })
  const me = await api.get('auth/me')
  assert.ok(me instanceof Response)
  assert.equal(me.ok, true)
  assert.equal(me.data.id, 1)
  const body = await me.json()
  assert.equal(body.success, true)
  assert.equal(body.data.id, 1)

  // the body is the sanitized backend JSON
  const posts = await api.get('posts')
  const json = await posts.json()
  for (const p of json.data) assert.doesNotMatch(p.body, /<[a-z!/?]/i)

  const g = await api.get('gzip')
  assert.equal(g.headers.get('content-encoding'), null, 'decoded body, so no content-encoding')
  assert.equal(g.headers.get('content-length'), null)
  assert.equal(typeof (await g.json()), 'object')

  const v = await api.post('validation', {})
  assert.equal(v.ok, false)
  assert.equal(v.status, 422)
  assert.deepEqual((await v.json()).errors, v.errors)

  const none = await createApiClient({ apiBaseUrl: backend.url }).get('auth/me')
  assert.equal(none.status, 401)
  assert.deepEqual(await none.json(), {
    success: false,
    message: 'Token not found. Please log in.',
  })
})

test('dedupe: every caller can read its own body stream', async () => {
  await backend.reset()
  const api = client({ dedupe: true })
  const rs = await Promise.all([1, 2, 3].map(() => api.get('slow', { params: { ms: 200 } })))
  assert.equal(await count('GET /slow'), 1)
  for (const r of rs) assert.deepEqual(await r.json(), { success: true, data: { waited: 200 } })
})

test('dedupe.methods: only the listed methods share a request (GET by default)', async () => {
  await backend.reset()
  const twice = (api) =>
    Promise.all([
      api.delete('echo/dd', { params: { k: 1 } }),
      api.delete('echo/dd', { params: { k: 1 } }),
    ])
  await twice(client({ dedupe: { enabled: true } }))
  assert.equal(await count('DELETE /echo/**'), 2, 'DELETE is not deduped by default')
  await backend.reset()
  const rs = await twice(client({ dedupe: { enabled: true, methods: ['get', 'delete'] } }))
  assert.equal(await count('DELETE /echo/**'), 1, 'listed methods are, case-insensitively')
  for (const r of rs) assert.equal(r.status, 200)
})

test('debug: logRequests, logResponses and logTiming switch their lines off', async () => {
  const run = async (debug) => {
    const logs = []
    await client({ debug: { enabled: true, logger: (m, d) => logs.push({ m, d }), ...debug } }).get(
      'posts',
    )
    return logs
  }
  const all = await run({})
  assert.ok(all.some((l) => l.m.startsWith('→ GET')))
  const res = all.find((l) => l.m.startsWith('✓ GET'))
  assert.equal(typeof res.d.durationMs, 'number')
  assert.equal((await run({ logRequests: false })).filter((l) => l.m.startsWith('→')).length, 0)
  assert.equal((await run({ logResponses: false })).filter((l) => l.m.startsWith('✓')).length, 0)
  const untimed = (await run({ logTiming: false })).find((l) => l.m.startsWith('✓ GET'))
  assert.equal(untimed.d.durationMs, undefined)
  assert.equal((await run({ enabled: false })).length, 0)
})
