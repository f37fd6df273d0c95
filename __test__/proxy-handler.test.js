// createProxyHandler against the demo backend process, with real NextRequest objects.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { assertConfigErrors } = require('./helpers/config.js')
const { withServer, captureErrors } = require('./helpers/server.js')
const net = require('node:net')
const { NextRequest } = require('next/server')
const { startBackend } = require('../examples/backend/spawn.js')
const { createProxyHandler } = require('../js/handler/proxy-handler.js')
const { refreshedByProxy } = require('./helpers/refreshed.js')
const { INTERNAL_HEADERS } = require('../js/shared/internal-headers.js')

const APP = 'http://app.test'
require('node:v8').setFlagsFromString('--expose-gc')
const gc = require('node:vm').runInNewContext('gc')
let backend
let userToken

before(async () => {
  backend = await startBackend()
  userToken = (await backend.mint({ sub: '1' })).token
})

after(async () => {
  await backend?.stop()
})

function ctx(segments) {
  return { params: Promise.resolve({ path: segments }) }
}

/** Calls the handler like Next.js does for /api/<segments><query>. */
async function call(handler, segments, { query = '', method = 'GET', headers, body } = {}) {
  const path = segments.map(encodeURIComponent).join('/')
  const init = { method, headers }
  if (body !== undefined) {
    init.body = body
    init.duplex = 'half'
  }
  const req = new NextRequest(`${APP}/api/${path}${query}`, init)
  return handler(req, ctx(segments))
}

async function echo(handler, segments, opts) {
  const res = await call(handler, segments, opts)
  assert.equal(res.status, 200)
  return (await res.json()).data
}

test('forwards GET with the exact query string (repeated keys, encodings, +)', async () => {
  const h = createProxyHandler({ apiBaseUrl: backend.url })
  const query = '?a=1&a=2&b=%2F%20x+y&c=%E2%9C%93&empty=&flag&d=%25'
  const data = await echo(h, ['echo', 'x'], { query })
  assert.equal(data.query, query)
  assert.equal(data.path, '/echo/x')
  assert.equal(data.method, 'GET')
})

test('re-encodes decoded segments and mounts under the base path', async () => {
  const h = createProxyHandler({ apiBaseUrl: `${backend.url}/api` })
  const data = await echo(h, ['echo', 'a b', 'ü', '100%'])
  assert.equal(data.path, '/api/echo/a%20b/%C3%BC/100%25')
})

test('works for every exported method, also as destructured per-method handlers', async () => {
  const handler = createProxyHandler({ apiBaseUrl: backend.url })
  const { GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS } = handler
  for (const [m, fn] of Object.entries({ GET, POST, PUT, PATCH, DELETE, OPTIONS })) {
    const body = m === 'GET' ? undefined : `{"m":"${m}"}`
    const headers = body ? { 'content-type': 'application/json' } : undefined
    const data = await echo(fn, ['echo', m.toLowerCase()], { method: m, body, headers })
    assert.equal(data.method, m)
    if (body) assert.equal(data.body, body)
  }
  const head = await call(HEAD, ['echo'], { method: 'HEAD' })
  assert.equal(head.status, 200)
  assert.equal(head.body, null)
})

test('strips hop-by-hop, host, cookie, client Authorization and internal headers', async () => {
  const h = createProxyHandler({ apiBaseUrl: backend.url, publicEndpoints: ['/echo/**'] })
  const headers = {
    connection: 'keep-alive, x-hop-custom',
    'x-hop-custom': 'secret-hop',
    'keep-alive': 'timeout=5',
    te: 'trailers',
    trailer: 'x-t',
    upgrade: 'websocket',
    'proxy-authorization': 'Basic abc',
    'proxy-foo': 'bar',
    cookie: 'other=1',
    authorization: 'Bearer client-chosen',
    'x-auth-user': '{"id":1,"role":"admin"}',
    'x-refreshed-token': '',
    'x-skip-auth': 'true',
    'x-custom': 'kept',
    accept: 'application/json',
  }
  // every header the layer uses to talk to itself (x-refreshed-token is the cascade's input)
  for (const name of INTERNAL_HEADERS) if (name !== 'x-refreshed-token') headers[name] = 'forged'
  const data = await echo(h, ['echo', 'hdr'], { headers })
  const got = data.headers
  for (const name of [
    'x-hop-custom',
    'keep-alive',
    'te',
    'trailer',
    'upgrade',
    'proxy-authorization',
    'proxy-foo',
    'cookie',
    'authorization',
    'x-auth-user',
    'x-skip-auth',
    ...INTERNAL_HEADERS,
  ]) {
    assert.equal(got[name], undefined, `${name} must not reach the backend`)
  }
  assert.equal(got['x-custom'], 'kept')
  assert.equal(got.accept, 'application/json')
  assert.notEqual(got.host, 'app.test')
})

test('internal and hop-by-hop headers in a backend response never reach the browser', async () => {
  const answer = (_req, res) => {
    const headers = {
      'content-type': 'application/json',
      'x-kept': '1',
      connection: 'keep-alive, x-hop-listed',
      'x-hop-listed': 'hop',
      'keep-alive': 'timeout=5',
      'proxy-authenticate': 'Basic',
      'proxy-x': '1',
      trailer: 'x-t',
      upgrade: 'h2c',
    }
    for (const name of INTERNAL_HEADERS) headers[name] = 'from-backend'
    res.writeHead(200, headers)
    res.end('{}')
  }
  await withServer(answer, async (url) => {
    const res = await call(createProxyHandler({ apiBaseUrl: url }), ['x'])
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('x-kept'), '1')
    const dropped = [
      ...INTERNAL_HEADERS,
      'connection',
      'x-hop-listed',
      'keep-alive',
      'proxy-authenticate',
      'proxy-x',
      'trailer',
      'upgrade',
    ]
    for (const name of dropped) assert.equal(res.headers.get(name), null, name)
  })
})

test('forwardHeaders restricts, excludeHeaders removes', async () => {
  const h = createProxyHandler({
    apiBaseUrl: backend.url,
    forwardHeaders: ['X-Allowed', 'x-dropped'],
    excludeHeaders: ['x-dropped'],
  })
  const data = await echo(h, ['echo'], {
    headers: { 'x-allowed': '1', 'x-dropped': '2', 'x-other': '3', 'content-type': 'text/plain' },
  })
  assert.equal(data.headers['x-allowed'], '1')
  assert.equal(data.headers['x-dropped'], undefined)
  assert.equal(data.headers['x-other'], undefined)
  assert.equal(data.headers['content-type'], 'text/plain')
})

test('path traversal and URL tricks are refused with 400 JSON before the backend is called', async () => {
  const h = createProxyHandler({ apiBaseUrl: `${backend.url}/api` })
  await backend.reset()
  const bad = [
    ['..', 'auth', 'me'],
    ['.'],
    ['echo', '..', '..', 'x'],
    ['%2e%2e', 'x'],
    ['%2E%2e', 'x'],
    ['%252e%252e', 'x'],
    ['a/b'],
    ['a%2fb'],
    ['%5c..'],
    ['a\\b'],
    ['', 'evil.example'],
    ['http:', '', 'evil.example'],
    ['javascript:alert(1)'],
    ['a\u0000b'],
    ['a\nb'],
  ]
  for (const segments of bad) {
    const req = new NextRequest(`${APP}/api/x`)
    const res = await h(req, ctx(segments))
    assert.equal(res.status, 400, `segments ${JSON.stringify(segments)}`)
    const body = await res.json()
    assert.equal(body.success, false)
    assert.match(body.message, /Invalid path/)
    assert.match(body.code, /^ERR_PATH_/)
  }
  const counters = await backend.counters()
  assert.equal(counters.requests, 0, 'no request reached the backend')
})

test('without params it falls back to the raw URL path below routePrefix, still checked', async () => {
  const h = createProxyHandler({ apiBaseUrl: backend.url })
  const ok = await h(new NextRequest(`${APP}/api/echo/a%20b?q=1`))
  assert.equal(ok.status, 200)
  assert.equal((await ok.json()).data.path, '/echo/a%20b')
  const bad = await h(new NextRequest(`${APP}/api/echo/a%2fb`))
  assert.equal(bad.status, 400)
  const bad2 = await h(new NextRequest(`${APP}/api/echo/%252e%252e/x`))
  assert.equal(bad2.status, 400)
})

test('backend unreachable -> 502 with a generic message', async () => {
  const port = await new Promise((resolve) => {
    const s = net.createServer()
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
  const h = createProxyHandler({ apiBaseUrl: `http://127.0.0.1:${port}` })
  let res
  const logged = await captureErrors(async () => {
    res = await call(h, ['posts'])
  })
  assert.equal(res.status, 502)
  const body = await res.json()
  assert.deepEqual(body, { success: false, message: 'The backend service is unavailable.' })
  assert.doesNotMatch(JSON.stringify(body), /ECONNREFUSED|127\.0\.0\.1/)
  assert.match(logged.join('\n'), /ECONNREFUSED/, 'details go to the server log')
})

test('backend too slow -> 504', async () => {
  const h = createProxyHandler({ apiBaseUrl: backend.url, timeout: 200 })
  let res
  await captureErrors(async () => {
    res = await call(h, ['slow'], { query: '?ms=5000' })
  })
  assert.equal(res.status, 504)
  assert.equal((await res.json()).success, false)
})

test('backend statuses and bodies pass through unchanged', async () => {
  const h = createProxyHandler({ apiBaseUrl: backend.url })
  for (const code of [201, 401, 404, 418, 500, 503]) {
    const res = await call(h, ['status', String(code)])
    assert.equal(res.status, code)
    assert.equal((await res.json()).status, code)
  }
  const empty = await call(h, ['status', '204'])
  assert.equal(empty.status, 204)
  assert.equal(empty.body, null)
  const v = await call(h, ['validation'], {
    method: 'POST',
    body: '{}',
    headers: { 'content-type': 'application/json' },
  })
  assert.equal(v.status, 422)
  const vb = await v.json()
  assert.equal(vb.success, false)
  assert.ok(vb.errors && typeof vb.errors === 'object')
  const rl = await call(h, ['rate-limited'])
  assert.equal(rl.status, 429)
  assert.equal(rl.headers.get('retry-after'), '1')
})

test('gzip responses arrive intact (decoded, without a stale content-encoding/length)', async () => {
  const h = createProxyHandler({ apiBaseUrl: backend.url })
  const res = await call(h, ['gzip'])
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('content-encoding'), null)
  assert.equal(res.headers.get('content-length'), null)
  const body = await res.json()
  assert.equal(body.data.compressed, true)
})

test('SSE arrives event by event, not buffered', async () => {
  const h = createProxyHandler({ apiBaseUrl: backend.url })
  const res = await call(h, ['events'], { query: '?count=5&interval=150' })
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type'), /text\/event-stream/)
  assert.equal(res.headers.get('connection'), null, 'hop-by-hop stripped from responses')
  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  const arrivals = []
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    const chunk = decoder.decode(value, { stream: true })
    text += chunk
    arrivals.push({ at: performance.now(), events: (chunk.match(/data: /g) || []).length })
  }
  assert.equal((text.match(/data: \{"n":\d+\}\n\n/g) || []).length, 5)
  assert.ok(arrivals.length >= 3, `events arrived in ${arrivals.length} chunk(s)`)
  assert.ok(arrivals.at(-1).at - arrivals[0].at > 0)
})

test('a 200 MB download streams through with flat memory', async () => {
  const h = createProxyHandler({ apiBaseUrl: backend.url })
  const total = 200 * 1024 * 1024
  const direct = Buffer.from(
    await (await fetch(`${backend.url}/download?bytes=65536`)).arrayBuffer(),
  )
  // Warm up first (fetch's connection pool, JIT, allocator arenas take ~50 MB once, with or
  // without the proxy), and collect garbage as we go: a collectable 64 KiB chunk is not a
  // leak, and a buffering proxy would hold the whole 200 MB.
  const warm = await call(h, ['download'], { query: `?bytes=${32 * 1024 * 1024}` })
  for await (const _ of warm.body) {
  }
  gc()
  const rssBefore = process.memoryUsage().rss
  let peak = rssBefore
  const res = await call(h, ['download'], { query: `?bytes=${total}` })
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('content-length'), String(total))
  const reader = res.body.getReader()
  let received = 0
  let first = null
  let chunks = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (first === null) first = Buffer.from(value.subarray(0, Math.min(value.length, 65536)))
    received += value.length
    if (++chunks % 128 === 0) {
      gc()
      peak = Math.max(peak, process.memoryUsage().rss)
    }
  }
  peak = Math.max(peak, process.memoryUsage().rss)
  assert.equal(received, total)
  assert.deepEqual(first, direct.subarray(0, first.length))
  const growth = peak - rssBefore
  console.log(`# 200 MB download: ${chunks} chunks, RSS growth ${(growth / 1048576).toFixed(1)} MB`)
  assert.ok(growth < 32 * 1024 * 1024, `RSS grew by ${(growth / 1048576).toFixed(1)} MB`)
})

test('request bodies are streamed to the backend intact', async () => {
  const h = createProxyHandler({ apiBaseUrl: backend.url })
  const crypto = require('node:crypto')
  const hash = crypto.createHash('sha256')
  const size = 8 * 1024 * 1024
  let sent = 0
  const stream = new ReadableStream({
    pull(controller) {
      if (sent >= size) {
        controller.close()
        return
      }
      const chunk = crypto.randomBytes(Math.min(256 * 1024, size - sent))
      hash.update(chunk)
      sent += chunk.length
      controller.enqueue(new Uint8Array(chunk))
    },
  })
  const res = await call(h, ['upload'], {
    method: 'POST',
    body: stream,
    headers: { 'content-type': 'application/octet-stream' },
  })
  assert.equal(res.status, 200)
  const data = (await res.json()).data
  assert.equal(data.bytes, size)
  assert.equal(data.sha256, hash.digest('hex'))
})

test('token cascade: refreshed header, then user cookie, then guest cookie', async () => {
  const h = createProxyHandler({ apiBaseUrl: backend.url })
  const guest = (await backend.mint({ sub: 'guest-1', type: 'guest' })).token
  // the auth proxy's signed x-refreshed-token wins; an unsigned (client-sent) one is ignored
  const { fresh, sig } = await refreshedByProxy(backend)
  let d = await echo(h, ['echo'], {
    headers: {
      cookie: `userToken=${userToken}; guestToken=${guest}`,
      'x-refreshed-token': fresh,
      'x-refreshed-token-sig': sig,
    },
  })
  assert.equal(d.headers.authorization, `Bearer ${fresh}`)
  d = await echo(h, ['echo'], {
    headers: { cookie: `userToken=${userToken}`, 'x-refreshed-token': 'forged' },
  })
  assert.equal(d.headers.authorization, `Bearer ${userToken}`)
  d = await echo(h, ['echo'], {
    headers: { cookie: `guestToken=${guest}; userToken=${userToken}` },
  })
  assert.equal(d.headers.authorization, `Bearer ${userToken}`)
  d = await echo(h, ['echo'], { headers: { cookie: `guestToken=${guest}` } })
  assert.equal(d.headers.authorization, `Bearer ${guest}`)
  // custom cookie names
  const h2 = createProxyHandler({ apiBaseUrl: backend.url, userCookieName: 'sess' })
  d = await echo(h2, ['echo'], { headers: { cookie: `userToken=nope; sess=${userToken}` } })
  assert.equal(d.headers.authorization, `Bearer ${userToken}`)
  // the token reaches a real protected endpoint
  const me = await call(h, ['auth', 'me'], { headers: { cookie: `userToken=${userToken}` } })
  assert.equal(me.status, 200)
  assert.equal((await me.json()).data.email, 'demo@example.com')
})

test('x-skip-auth is honoured only for public endpoints', async () => {
  const cookie = `userToken=${userToken}`
  const h = createProxyHandler({ apiBaseUrl: backend.url, publicEndpoints: ['/echo/public/**'] })
  let d = await echo(h, ['echo', 'public', 'a'], { headers: { cookie, 'x-skip-auth': 'true' } })
  assert.equal(d.headers.authorization, undefined, 'public + x-skip-auth: no token')
  d = await echo(h, ['echo', 'public', 'a'], { headers: { cookie } })
  assert.equal(d.headers.authorization, `Bearer ${userToken}`, 'public, no header: token')
  d = await echo(h, ['echo', 'private'], { headers: { cookie, 'x-skip-auth': 'true' } })
  assert.equal(d.headers.authorization, `Bearer ${userToken}`, 'protected: header ignored')
  const h2 = createProxyHandler({
    apiBaseUrl: backend.url,
    publicEndpoints: ['/echo/public/**'],
    skipAuthByDefault: true,
  })
  d = await echo(h2, ['echo', 'public', 'b'], { headers: { cookie, 'x-skip-auth': 'false' } })
  assert.equal(d.headers.authorization, undefined, 'skipAuthByDefault: client cannot add auth')
  d = await echo(h2, ['echo', 'private'], { headers: { cookie } })
  assert.equal(d.headers.authorization, `Bearer ${userToken}`)
})

test('transformRequest and transformResponse', async () => {
  const h = createProxyHandler({
    apiBaseUrl: backend.url,
    transformRequest(init, request) {
      assert.equal(init.path, '/echo/t')
      assert.ok(request instanceof Request)
      init.headers.set('x-added', 'yes')
      return init
    },
    async transformResponse(response, info) {
      assert.equal(info.path, '/echo/t')
      const headers = new Headers(response.headers)
      headers.set('x-transformed', '1')
      return new Response(response.body, { status: response.status, headers })
    },
  })
  const res = await call(h, ['echo', 't'])
  assert.equal(res.headers.get('x-transformed'), '1')
  assert.equal((await res.json()).data.headers['x-added'], 'yes')
})

test('bad configuration throws at construction with a code and the option name', () => {
  const cases = [
    [{}, /apiBaseUrl/],
    [{ apiBaseUrl: 'ftp://x' }, /apiBaseUrl/],
    [{ apiBaseUrl: 'http://x?y=1' }, /apiBaseUrl/],
    [{ apiBaseUrl: 'http://x', publicEndpoints: ['no-slash'] }, /publicEndpoints/],
    [{ apiBaseUrl: 'http://x', userCookieName: 'a b' }, /userCookieName/],
    [{ apiBaseUrl: 'http://x', timeout: -1 }, /timeout/],
    [{ apiBaseUrl: 'http://x', forwardHeaders: 'x' }, /forwardHeaders/],
    [{ apiBaseUrl: 'http://x', transformResponse: 1 }, /transformResponse/],
    [{ apiBaseUrl: 'http://x', publicEndpoints: [1] }, /publicEndpoints/],
    [{ apiBaseUrl: 'http://x', userCookieName: 5 }, /userCookieName/],
    [{ apiBaseUrl: 'http://x', skipAuthByDefault: 'yes' }, /skipAuthByDefault/],
    [{ apiBaseUrl: 'http://x', trailingSlash: 1 }, /trailingSlash/],
    [{ apiBaseUrl: 'http://x', routePrefix: 'api' }, /routePrefix/],
    [{ apiBaseUrl: 'http://x', sanitize: 'on' }, /^sanitize/],
    [{ apiBaseUrl: 'http://x', sanitize: { mode: 'nope' } }, /^sanitize\.mode/],
    [{ apiBaseUrl: 'http://x', sanitize: { skipEndpoints: ['/raw'] } }, /sanitize\.skipEndpoints/],
  ]
  assertConfigErrors(createProxyHandler, cases)
})

test('sanitize: off by default, on request JSON responses are cleaned natively', async () => {
  const raw = createProxyHandler({ apiBaseUrl: backend.url })
  const rawText = await (await call(raw, ['posts'])).text()
  assert.match(
    rawText,
    /<script|onerror\s*=|href=\\?"javascript:/i,
    'the demo posts carry XSS payloads',
  )
  const clean = createProxyHandler({ apiBaseUrl: backend.url, sanitize: true })
  const res = await call(clean, ['posts'])
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('content-length'), null)
  const body = await res.json()
  const text = JSON.stringify(body)
  assert.doesNotMatch(text, /<script|onerror\s*=|href=\\?"javascript:/i)
  assert.equal(body.data.length, JSON.parse(rawText).data.length)
  // non-JSON bodies stream through untouched
  const sse = await call(clean, ['events'], { query: '?count=2&interval=10' })
  assert.match(await sse.text(), /data: \{"n":2\}/)
})

test('trailingSlash appends a slash to the forwarded path, before the query', async () => {
  const h = createProxyHandler({ apiBaseUrl: backend.url, trailingSlash: true })
  const data = await echo(h, ['echo', 'x'], { query: '?a=1' })
  assert.equal(data.path, '/echo/x/')
  assert.equal(data.query, '?a=1')
})

test('SSE from a backend that does not say so is marked no-transform and unbuffered', async () => {
  const answer = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    res.end('data: 1\n\n')
  }
  await withServer(answer, async (url) => {
    const res = await call(createProxyHandler({ apiBaseUrl: url }), ['stream'])
    assert.equal(res.headers.get('cache-control'), 'no-cache, no-transform')
    assert.equal(res.headers.get('x-accel-buffering'), 'no')
    assert.equal(await res.text(), 'data: 1\n\n')
    // other responses are left alone
    const plain = await call(createProxyHandler({ apiBaseUrl: backend.url }), ['posts'])
    assert.equal(plain.headers.get('x-accel-buffering'), null)
  })
})

test('backend redirects into the backend point back under the proxy mount; others stay', async () => {
  let origin
  const answer = (req, res) => {
    const to = {
      '/v1/a': `${origin}/v1/b?x=1`,
      '/v1/rel': '/v1/c',
      '/v1/out': 'https://elsewhere.example/login',
      '/v1/up': `${origin}/secret`,
    }[req.url]
    res.writeHead(302, { location: to })
    res.end()
  }
  await withServer(answer, async (url) => {
    origin = url
    const h = createProxyHandler({ apiBaseUrl: `${url}/v1` })
    const loc = async (seg) => {
      const res = await call(h, [seg])
      assert.equal(res.status, 302)
      return res.headers.get('location')
    }
    assert.equal(await loc('a'), '/api/b?x=1')
    assert.equal(await loc('rel'), '/api/c')
    assert.equal(await loc('out'), 'https://elsewhere.example/login')
    assert.equal(await loc('up'), `${url}/secret`)
  })
})

test('transformRequest may turn a POST into a GET (the body is dropped, fetch would refuse it)', async () => {
  const h = createProxyHandler({
    apiBaseUrl: backend.url,
    transformRequest: (init) => ({ ...init, method: 'get' }),
  })
  const data = await echo(h, ['echo', 'm'], { method: 'POST', body: 'x=1' })
  assert.equal(data.method, 'GET')
  assert.equal(data.body, '')
})

test('sanitize on: a backend that drops the connection mid-body answers 502 JSON, no throw', async () => {
  const answer = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
    res.write('{"data":"')
    setTimeout(() => res.socket.destroy(), 20)
  }
  await withServer(answer, async (url) => {
    let res
    const logged = await captureErrors(async () => {
      res = await call(createProxyHandler({ apiBaseUrl: url, sanitize: true }), ['x'])
    })
    assert.equal(res.status, 502)
    assert.deepEqual(await res.json(), {
      success: false,
      message: 'The backend service is unavailable.',
    })
    assert.ok(logged.length > 0, 'the cause is logged on the server')
  })
})

test('a browser that goes away closes the backend stream (cancelled body or aborted request)', async () => {
  const closed = []
  const answer = (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const timer = setInterval(() => res.write('data: tick\n\n'), 20)
    res.on('close', () => {
      clearInterval(timer)
      closed.push(req.url)
    })
  }
  const waitClosed = async (url) => {
    for (let i = 0; i < 300 && !closed.includes(url); i++)
      await new Promise((r) => setTimeout(r, 10))
    assert.ok(closed.includes(url), `the backend stream ${url} was closed`)
  }
  await withServer(answer, async (url) => {
    const h = createProxyHandler({ apiBaseUrl: url })
    // the reader of the response cancels (what Next.js does when the client disconnects)
    const res = await call(h, ['a'])
    const reader = res.body.getReader()
    assert.match(new TextDecoder().decode((await reader.read()).value), /tick/)
    await reader.cancel()
    await waitClosed('/a')
    // the request's signal aborts
    const controller = new AbortController()
    const req = new NextRequest(`${APP}/api/b`, { signal: controller.signal })
    const res2 = await h(req, ctx(['b']))
    const reader2 = res2.body.getReader()
    await reader2.read()
    controller.abort()
    await waitClosed('/b')
  })
})
