// Reading the browser's request body for login/register: capped at `maxBodyBytes` (never more
// in memory), then read as a form or a JSON object of credentials.

const { readUpTo } = require('../shared/read-up-to')
const { isObject } = require('./options')

/** Thrown by readLimited when a body is larger than `maxBodyBytes`. */
class BodyTooLarge extends Error {}

/** The whole body, but never more than `max` bytes in memory (the stream is cancelled then). */
async function readLimited(request, max) {
  const declared = Number(request.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > max) throw new BodyTooLarge()
  if (!request.body) return new Uint8Array(0)
  const bytes = await readUpTo(request.body, max)
  if (bytes === null) throw new BodyTooLarge()
  return bytes
}

async function readCredentials(request, max) {
  const type = request.headers.get('content-type') || ''
  const bytes = await readLimited(request, max)
  if (/multipart\/form-data|application\/x-www-form-urlencoded/i.test(type)) {
    const form = await new Response(bytes, { headers: { 'content-type': type } }).formData()
    const out = {}
    for (const [k, v] of form) if (typeof v === 'string') out[k] = v
    return out
  }
  const text = Buffer.from(bytes).toString('utf8')
  if (text.trim() === '') return {}
  const value = JSON.parse(text)
  if (!isObject(value)) throw new SyntaxError('body must be a JSON object')
  return value
}

module.exports = { BodyTooLarge, readCredentials }
