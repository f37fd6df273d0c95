// Forwards a request whose body is a stream (an upload through the catch-all proxy) with
// node:http / node:https instead of fetch, and answers with a fetch-like `Response`.
//
// Why: Node 20's fetch (undici 6) reads a ReadableStream request body ahead of the socket. Measured
// outside Next.js (a bare node:http server forwarding a 256 MB chunked upload to a slow reader):
// fetch +288 MB of RSS, the same stream piped with node:http +22 MB. Here the body is pulled from
// the incoming stream only as fast as the backend's socket takes it.
//
// Framing: with a `content-length` header (the client's declared length) node:http sends exactly
// that many bytes with that header; without one, POST/PUT/PATCH go out chunked.
//
// What the caller relies on, kept as fetch does it: no redirects followed, the `signal` aborts
// (the proxy's response-head timeout and the browser going away), errors reject, compressed
// bodies (gzip, deflate, br: the encodings offered) arrive decoded with the backend's
// content-encoding / content-length headers left in place (the proxy drops them, as after fetch).

const http = require('node:http')
const https = require('node:https')
const { Readable } = require('node:stream')
const zlib = require('node:zlib')

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
}
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304])
/** Methods whose body node:http frames as chunked without a content-length. */
const STREAM_METHODS = new Set(['POST', 'PUT', 'PATCH'])

/**
 * Whether `streamUpload` should carry this request: a streamed body with a known `length` (any
 * method: it goes out with that Content-Length), or a chunked one on POST/PUT/PATCH.
 */
function isStreamUpload(method, body, url, length = null) {
  return (
    (length !== null || STREAM_METHODS.has(method)) &&
    typeof ReadableStream !== 'undefined' &&
    body instanceof ReadableStream &&
    /^https?:/i.test(String(url))
  )
}

// A web stream over a Node stream that reads one chunk per pull (highWaterMark 0): Node 20's
// Readable.toWeb queues up to readableHighWaterMark *chunks*, not bytes.
function pullFrom(nodeStream) {
  const it = nodeStream[Symbol.asyncIterator]()
  return new ReadableStream(
    {
      async pull(controller) {
        const { value, done } = await it.next()
        if (done) controller.close()
        else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
      },
      async cancel(reason) {
        nodeStream.destroy(reason instanceof Error ? reason : undefined)
      },
    },
    { highWaterMark: 0 },
  )
}

function decoder(encoding) {
  switch (
    String(encoding || '')
      .trim()
      .toLowerCase()
  ) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH })
    case 'deflate':
      return zlib.createInflate({ flush: zlib.constants.Z_SYNC_FLUSH })
    case 'br':
      return zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH })
    default:
      return null
  }
}

/**
 * @param {string} url
 * @param {{ method: string, headers: Headers, body: ReadableStream, signal?: AbortSignal }} init
 * @returns {Promise<Response>}
 */
function streamUpload(url, init) {
  const target = new URL(url)
  const transport = target.protocol === 'https:' ? https : http
  const headers = {}
  for (const [name, value] of init.headers) headers[name] = value
  headers['accept-encoding'] = 'gzip, deflate, br'
  return new Promise((resolve, reject) => {
    let settled = false
    const fail = (error) => {
      if (settled) return
      settled = true
      reject(error)
    }
    const req = transport.request(target, {
      method: init.method,
      headers,
      agent: agents[target.protocol],
      signal: init.signal,
    })
    // A declared Content-Length is a promise to the backend: a body that runs longer or ends
    // shorter fails the request instead of desynchronising the kept-alive connection.
    if (headers['content-length'] !== undefined) req.strictContentLength = true
    req.on('error', fail)
    req.on('response', (res) => {
      if (settled) {
        res.resume()
        return
      }
      settled = true
      const out = new Headers()
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
        try {
          out.append(res.rawHeaders[i], res.rawHeaders[i + 1])
        } catch {
          // a header value fetch would refuse too: left out
        }
      }
      let body = null
      if (init.method !== 'HEAD' && !NULL_BODY_STATUS.has(res.statusCode)) {
        const decode = decoder(res.headers['content-encoding'])
        let source = res
        if (decode) {
          res.on('error', (e) => decode.destroy(e))
          source = res.pipe(decode)
        }
        body = pullFrom(source)
      } else {
        res.resume()
      }
      resolve(
        new Response(body, {
          status: res.statusCode,
          statusText: res.statusMessage || '',
          headers: out,
        }),
      )
    })
    // The upload: pulled from the incoming stream as the socket drains (pipe's backpressure).
    const upload = Readable.fromWeb(init.body, { highWaterMark: 1 })
    upload.on('error', (e) => {
      req.destroy(e)
      fail(e)
    })
    // end() throws (synchronously, from pipe's end handler: an uncaught exception) when the
    // body ended short of its declared Content-Length: fail this request instead.
    upload.on('end', () => {
      try {
        req.end()
      } catch (e) {
        req.destroy(e)
        fail(e)
      }
    })
    upload.pipe(req, { end: false })
  })
}

module.exports = { streamUpload, isStreamUpload }
