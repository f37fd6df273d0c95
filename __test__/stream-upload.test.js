// Streamed uploads through the catch-all proxy (createProxyHandler -> js/handler/stream-upload.js,
// node:http instead of Node 20's fetch, which reads a stream body ahead of the socket), with real
// NextRequest objects, against the demo backend process and throwaway HTTP backends.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const zlib = require('node:zlib')
const { NextRequest } = require('next/server')
const { startBackend } = require('../examples/backend/spawn.js')
const { createProxyHandler } = require('../js/handler/proxy-handler.js')
const { isStreamUpload } = require('../js/handler/stream-upload.js')
const { withServer, captureErrors } = require('./helpers/server.js')

require('node:v8').setFlagsFromString('--expose-gc')
const gc = require('node:vm').runInNewContext('gc')
const MB = 1024 * 1024
let backend

before(async () => {
  backend = await startBackend()
})
after(async () => {
  await backend?.stop()
})

/** A body of `total` bytes produced on demand (1 MB per pull), with its sha256. */
function producedBody(total, { onPull } = {}) {
  const chunk = Buffer.alloc(MB)
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 13) % 256
  const hash = crypto.createHash('sha256')
  let sent = 0
  const stream = new ReadableStream({
    pull(controller) {
      onPull?.(sent)
      if (sent >= total) {
        controller.close()
        return
      }
      hash.update(chunk)
      sent += chunk.length
      controller.enqueue(new Uint8Array(chunk))
    },
  })
  return { stream, digest: () => hash.digest('hex'), sent: () => sent }
}

function post(segments, body, init = {}) {
  const req = new NextRequest(`http://app.test/api/${segments.join('/')}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body,
    duplex: 'half',
    ...init,
  })
  return [req, { params: Promise.resolve({ path: segments }) }]
}

test('only streamed POST/PUT/PATCH bodies to http(s) take the node:http path', () => {
  const s = new ReadableStream()
  assert.equal(isStreamUpload('POST', s, 'http://b/x'), true)
  assert.equal(isStreamUpload('PUT', s, 'https://b/x'), true)
  assert.equal(isStreamUpload('PATCH', s, 'http://b/x'), true)
  assert.equal(isStreamUpload('DELETE', s, 'http://b/x'), false)
  assert.equal(isStreamUpload('POST', 'text', 'http://b/x'), false)
  assert.equal(isStreamUpload('POST', undefined, 'http://b/x'), false)
})

test('a 256 MB upload arrives byte-exact and the process memory stays flat', async (t) => {
  const h = createProxyHandler({ apiBaseUrl: backend.url })
  const body = producedBody(256 * MB)
  gc()
  const before = process.resourceUsage().maxRSS * 1024
  const rssBefore = process.memoryUsage().rss
  const res = await h.POST(...post(['upload'], body.stream))
  const json = await res.json()
  const peak = process.resourceUsage().maxRSS * 1024
  assert.equal(res.status, 200, JSON.stringify(json))
  assert.equal(json.data.bytes, 256 * MB)
  assert.equal(json.data.sha256, body.digest())
  // Peak growth of the whole process (producer + proxy); fetch grew it by about the body size.
  const growth = peak - Math.max(before, rssBefore)
  t.diagnostic(`peak memory growth for a 256 MB upload: ${(growth / MB).toFixed(1)} MB`)
  assert.ok(growth < 96 * MB, `peak memory grew by ${(growth / MB).toFixed(0)} MB`)
})

test('the answer to an upload: status, headers, set-cookie list, gzip decoded, 204 without body', async () => {
  const gz = zlib.gzipSync(JSON.stringify({ success: true, data: { ok: 1 } }))
  await withServer(
    (req, res) => {
      req.resume()
      req.on('end', () => {
        if (req.url === '/empty') {
          res.writeHead(204)
          res.end()
          return
        }
        res.writeHead(201, 'Made', [
          ['content-type', 'application/json'],
          ['content-encoding', 'gzip'],
          ['content-length', String(gz.length)],
          ['x-seen-encoding', req.headers['accept-encoding'] || ''],
          ['x-seen-te', req.headers['transfer-encoding'] || ''],
          ['set-cookie', 'a=1; Path=/'],
          ['set-cookie', 'b=2; Path=/'],
        ])
        res.end(gz)
      })
    },
    async (url) => {
      const h = createProxyHandler({ apiBaseUrl: url, passSetCookie: true })
      const res = await h.POST(...post(['made'], producedBody(3 * MB).stream))
      assert.equal(res.status, 201)
      assert.equal(res.statusText, 'Made')
      assert.deepEqual(await res.json(), { success: true, data: { ok: 1 } })
      assert.equal(res.headers.get('content-encoding'), null)
      assert.equal(res.headers.get('content-length'), null)
      assert.equal(res.headers.get('x-seen-te'), 'chunked')
      assert.match(res.headers.get('x-seen-encoding'), /gzip/)
      assert.deepEqual(res.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/'])
      const empty = await h.POST(...post(['empty'], 'x'))
      assert.equal(empty.status, 204)
      assert.equal(empty.body, null)
    },
  )
})

test('upload errors: unreachable -> 502, no answer in time -> 504', async () => {
  const port = await withServer(
    () => {},
    async (url) => Number(new URL(url).port),
  ) // closed now: nothing listens there
  const down = createProxyHandler({ apiBaseUrl: `http://127.0.0.1:${port}` })
  let res
  const logged = await captureErrors(async () => {
    res = await down.POST(...post(['x'], producedBody(MB).stream))
  })
  assert.equal(res.status, 502)
  assert.equal((await res.json()).success, false)
  assert.ok(
    logged.some((l) => l.includes('proxy POST')),
    logged.join('\n'),
  )

  await withServer(
    (req) => req.resume(), // reads the upload, never answers
    async (url) => {
      const slow = createProxyHandler({ apiBaseUrl: url, timeout: 300 })
      await captureErrors(async () => {
        res = await slow.POST(...post(['x'], producedBody(2 * MB).stream))
      })
      assert.equal(res.status, 504)
    },
  )
})

test('a browser that goes away mid-upload stops the upload to the backend', async () => {
  let resolveSeen
  const seen = new Promise((r) => {
    resolveSeen = r
  })
  await withServer(
    (req, res) => {
      let bytes = 0
      req.on('data', (c) => {
        bytes += c.length
      })
      req.on('end', () => res.end('done'))
      req.on('close', () => resolveSeen({ bytes, complete: req.complete }))
    },
    async (url) => {
      const h = createProxyHandler({ apiBaseUrl: url })
      const browser = new AbortController()
      const body = producedBody(512 * MB, {
        onPull: (sent) => {
          if (sent >= 8 * MB) browser.abort()
        },
      })
      let res
      await captureErrors(async () => {
        res = await h.POST(...post(['x'], body.stream, { signal: browser.signal }))
      })
      const { bytes, complete } = await seen
      assert.equal(complete, false, 'the backend never saw a complete upload')
      assert.ok(bytes < 512 * MB, `backend got ${bytes} bytes`)
      assert.ok(body.sent() < 64 * MB, `the producer was pulled for ${body.sent()} bytes`)
      assert.ok(res.status >= 500, `status ${res.status}`)
    },
  )
})
