// Reading a body stream with a cap, for every place that must hold a body whole: the
// catch-all's buffered chunked uploads, the auth routes' credentials and the backend answers
// the auth routes read. One loop, so the cap and the cancel-on-overflow rule cannot drift.

/**
 * Reads a stream whole when it ends within `max` bytes; null (and the stream cancelled) when
 * it is longer: the caller decides what "too large" answers (413, 502...) rather than hold more.
 */
async function readUpTo(stream, max) {
  const reader = stream.getReader()
  const chunks = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel().catch(() => {})
      return null
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, size)
}

module.exports = { readUpTo }
