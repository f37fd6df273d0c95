// How the catch-all proxy frames a request body for the backend.
//
// Why this exists: a body streamed through fetch goes out chunked, and WSGI servers (gunicorn,
// and many PHP-FPM, Java, .NET and load-balancer setups) read a chunked request body as empty:
// the write is lost and nothing reports an error. The rule kept here is that the backend gets the
// framing the client sent: a body with a known length goes out with that Content-Length (still
// streamed, never held whole), a chunked one stays chunked, unless `bufferChunkedBodiesUpTo`
// asks for chunked bodies up to that size to be read first and sent with their length.

const { configError } = require('../shared/config-error')
// readUpTo (a stream read whole up to a cap, else null) is shared with the auth routes.
const { readUpTo } = require('../shared/read-up-to')

/**
 * The body length the client declared, or null when the body is chunked or the length is not
 * one clean number. Transfer-Encoding wins over Content-Length (RFC 9112 6.3); repeated
 * identical Content-Length values (joined as "5, 5") count as one.
 */
function declaredLength(headers) {
  if (headers.has('transfer-encoding')) return null
  const value = headers.get('content-length')
  if (value === null) return null
  const parts = value.split(',').map((p) => p.trim())
  if (!parts.every((p) => /^\d+$/.test(p) && p === parts[0])) return null
  const n = Number(parts[0])
  return Number.isSafeInteger(n) ? n : null
}

/** `bufferChunkedBodiesUpTo`: bytes (0 or false: off, the default). */
function bufferLimit(value) {
  if (value === undefined || value === null || value === false) return 0
  if (!Number.isSafeInteger(value) || value < 0) {
    throw configError('bufferChunkedBodiesUpTo must be a number of bytes (0 or false: off)')
  }
  return value
}

module.exports = { declaredLength, bufferLimit, readUpTo }
