// Request-body framing through the catch-all proxy (js/handler/body-framing.js): the backend gets
// the framing the client sent. Checked against a backend that, like a WSGI server, reads a body
// only by its Content-Length and sees a chunked one as empty; also the 403/404/422 pass-through.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { NextRequest } = require('next/server')
const { createProxyHandler } = require('../js/handler/proxy-handler.js')
const { declaredLength } = require('../js/handler/body-framing.js')
const { isStreamUpload } = require('../js/handler/stream-upload.js')
const { assertConfigErrors } = require('./helpers/config.js')
const { withServer } = require('./helpers/server.js')

/**
 * A backend that reads the body WSGI-style: exactly Content-Length bytes, nothing when the body
 * is chunked. It answers what it saw: framing headers, length and sha256 of the body it read.
 */
function wsgiLike(seen = []) {
  return (req, res) => {
    const te = req.headers['transfer-encoding']
    const cl = req.headers['content-length']
    const want = cl === undefined ? 0 : Number(cl)
    const chunks = []
    let got = 0
    req.on('data', (c) => {
      if (got < want) chunks.push(c.subarray(0, want - got))
      got += c.length
      req.emit('got-bytes')
    })
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const answer = {
        method: req.method,
        transferEncoding: te ?? null,
        contentLength: cl ?? null,
        bytes: body.length,
        sha256: crypto.createHash('sha256').update(body).digest('hex'),
        text: body.length < 4096 ? body.toString('utf8') : null,
      }
      seen.push(answer)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(answer))
    })
  }
}

function sha(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex')
}

/** A stream of `buf` in `pieces` parts (what Next.js hands the route: a ReadableStream). */
function streamOf(buf, pieces = 3) {
  const size = Math.ceil(buf.length / pieces)
  let at = 0
  return new ReadableStream({
    pull(controller) {
      if (at >= buf.length) return controller.close()
      controller.enqueue(new Uint8Array(buf.subarray(at, at + size)))
      at += size
    },
  })
}

function req(method, body, headers = {}) {
  const r = new NextRequest('http://app.test/api/echo', {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body,
    duplex: 'half',
  })
  return [r, { params: Promise.resolve({ path: ['echo'] }) }]
}

test('declaredLength: one clean number, chunked wins, duplicates count once', () => {
  const h = (o) => new Headers(o)
  assert.equal(declaredLength(h({ 'content-length': '12' })), 12)
  assert.equal(declaredLength(h({ 'content-length': '0' })), 0)
  assert.equal(declaredLength(h({ 'content-length': '7, 7' })), 7)
  assert.equal(declaredLength(h({ 'content-length': '7, 8' })), null)
  assert.equal(declaredLength(h({ 'content-length': '-1' })), null)
  assert.equal(declaredLength(h({ 'content-length': '1e3' })), null)
  assert.equal(declaredLength(h({ 'content-length': '99999999999999999999' })), null)
  assert.equal(declaredLength(h({ 'content-length': '5', 'transfer-encoding': 'chunked' })), null)
  assert.equal(declaredLength(h({})), null)
})

test('a streamed body with a known length takes node:http whatever the method', () => {
  const s = new ReadableStream()
  assert.equal(isStreamUpload('DELETE', s, 'http://b/x', 10), true)
  assert.equal(isStreamUpload('OPTIONS', s, 'http://b/x', 0), true)
  assert.equal(isStreamUpload('DELETE', s, 'http://b/x', null), false)
  assert.equal(isStreamUpload('POST', s, 'http://b/x', null), true)
})

for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
  test(`${method}: a body with Content-Length reaches a length-only backend byte for byte`, async () => {
    await withServer(wsgiLike(), async (url) => {
      const h = createProxyHandler({ apiBaseUrl: url })
      const body = Buffer.from(JSON.stringify({ title: 'Grüße ✓', n: 1, _method: method }))
      const res = await h[method](
        ...req(method, streamOf(body), { 'content-length': String(body.length) }),
      )
      const seen = await res.json()
      assert.equal(res.status, 200)
      assert.equal(seen.method, method)
      assert.equal(seen.transferEncoding, null)
      assert.equal(seen.contentLength, String(body.length))
      assert.equal(seen.text, body.toString('utf8'))
    })
  })
}

test('an empty body with Content-Length: 0 goes out as Content-Length: 0', async () => {
  await withServer(wsgiLike(), async (url) => {
    const h = createProxyHandler({ apiBaseUrl: url })
    const res = await h.POST(...req('POST', streamOf(Buffer.alloc(0)), { 'content-length': '0' }))
    const seen = await res.json()
    assert.equal(seen.contentLength, '0')
    assert.equal(seen.transferEncoding, null)
    assert.equal(seen.bytes, 0)
  })
})

test('a chunked body stays chunked (the length-only backend sees it empty: the documented limit)', async () => {
  await withServer(wsgiLike(), async (url) => {
    const h = createProxyHandler({ apiBaseUrl: url })
    const res = await h.POST(...req('POST', streamOf(Buffer.from('{"a":1}'))))
    const seen = await res.json()
    assert.equal(seen.transferEncoding, 'chunked')
    assert.equal(seen.contentLength, null)
    assert.equal(seen.bytes, 0)
  })
})

test('a known-length body is streamed, not held whole: the backend reads before the client ends', async () => {
  // The client sends one chunk and then waits until the backend has bytes in hand. A proxy that
  // read the body whole first would never forward that chunk: the guard below fails the test.
  let backendGotBytes
  const arrived = new Promise((resolve) => {
    backendGotBytes = resolve
  })
  const seen = []
  const listener = wsgiLike(seen)
  await withServer(
    (rq, rs) => {
      rq.once('got-bytes', backendGotBytes)
      listener(rq, rs)
    },
    async (url) => {
      const h = createProxyHandler({ apiBaseUrl: url })
      const first = crypto.randomBytes(64 * 1024)
      const rest = crypto.randomBytes(1024 * 1024)
      let step = 0
      let guard
      const stream = new ReadableStream({
        async pull(controller) {
          step += 1
          if (step === 1) return controller.enqueue(new Uint8Array(first))
          if (step === 2) {
            await Promise.race([
              arrived,
              new Promise((_, reject) => {
                guard = setTimeout(() => reject(new Error('body was not streamed')), 20000)
              }),
            ])
            clearTimeout(guard)
            return controller.enqueue(new Uint8Array(rest))
          }
          controller.close()
        },
      })
      const total = first.length + rest.length
      const res = await h.PUT(...req('PUT', stream, { 'content-length': String(total) }))
      const answer = await res.json()
      assert.equal(res.status, 200)
      assert.equal(answer.contentLength, String(total))
      assert.equal(answer.transferEncoding, null)
      assert.equal(answer.sha256, sha(Buffer.concat([first, rest])))
    },
  )
})

test('a body shorter than its declared length fails the request (502), never a short write', async () => {
  await withServer(wsgiLike(), async (url) => {
    const h = createProxyHandler({ apiBaseUrl: url })
    const res = await h.POST(
      ...req('POST', streamOf(Buffer.from('abc')), { 'content-length': '10' }),
    )
    assert.equal(res.status, 502)
  })
})

test('bufferChunkedBodiesUpTo: a small chunked body goes out with its length, a larger one gets 413', async () => {
  const seen = []
  await withServer(wsgiLike(seen), async (url) => {
    const h = createProxyHandler({ apiBaseUrl: url, bufferChunkedBodiesUpTo: 1024 })
    const small = Buffer.from(JSON.stringify({ title: 'x'.repeat(900) }))
    const ok = await (await h.POST(...req('POST', streamOf(small)))).json()
    assert.equal(ok.transferEncoding, null)
    assert.equal(ok.contentLength, String(small.length))
    assert.equal(ok.sha256, sha(small))

    const exact = Buffer.alloc(1024, 0x61)
    const atLimit = await (await h.PATCH(...req('PATCH', streamOf(exact)))).json()
    assert.equal(atLimit.contentLength, '1024')

    const big = await h.POST(...req('POST', streamOf(Buffer.alloc(1025, 0x61))))
    assert.equal(big.status, 413)
    assert.equal((await big.json()).code, 'BODY_TOO_LARGE')
    assert.equal(seen.length, 2, 'the oversized body never reached the backend')

    // a body with a known length is not buffered, whatever its size
    const large = crypto.randomBytes(64 * 1024)
    const known = await (
      await h.POST(...req('POST', streamOf(large), { 'content-length': String(large.length) }))
    ).json()
    assert.equal(known.sha256, sha(large))
  })
})

test('a body replaced by transformRequest is framed by its own length', async () => {
  await withServer(wsgiLike(), async (url) => {
    const h = createProxyHandler({
      apiBaseUrl: url,
      transformRequest: (init) => ({ ...init, body: '{"replaced":true}' }),
    })
    const res = await h.POST(
      ...req('POST', streamOf(Buffer.from('{"a":1}')), { 'content-length': '7' }),
    )
    const seen = await res.json()
    assert.equal(seen.contentLength, String('{"replaced":true}'.length))
    assert.equal(seen.text, '{"replaced":true}')
  })
})

test('bufferChunkedBodiesUpTo is checked at construction', () => {
  assertConfigErrors(createProxyHandler, [
    [{ apiBaseUrl: 'http://x', bufferChunkedBodiesUpTo: -1 }, /bufferChunkedBodiesUpTo/],
    [{ apiBaseUrl: 'http://x', bufferChunkedBodiesUpTo: '1mb' }, /bufferChunkedBodiesUpTo/],
    [{ apiBaseUrl: 'http://x', bufferChunkedBodiesUpTo: 1.5 }, /bufferChunkedBodiesUpTo/],
  ])
  createProxyHandler({ apiBaseUrl: 'http://x', bufferChunkedBodiesUpTo: false })
  createProxyHandler({ apiBaseUrl: 'http://x', bufferChunkedBodiesUpTo: 0 })
})

for (const status of [403, 404, 422]) {
  test(`a backend ${status} passes through the catch-all unchanged (status and body)`, async () => {
    const body = JSON.stringify({
      detail: `answer ${status}`,
      errors: { title: ['This field may not be blank.'] },
    })
    await withServer(
      (rq, rs) => {
        rq.resume()
        rs.writeHead(status, { 'content-type': 'application/json', 'x-backend': 'yes' })
        rs.end(body)
      },
      async (url) => {
        const h = createProxyHandler({ apiBaseUrl: url })
        const res = await h.POST(...req('POST', '{"title":""}', { 'content-length': '12' }))
        assert.equal(res.status, status)
        assert.equal(res.headers.get('x-backend'), 'yes')
        assert.equal(await res.text(), body)
      },
    )
  })
}
