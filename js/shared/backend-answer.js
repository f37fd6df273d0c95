// How the JS side reads and judges a backend answer: the same rules the engine applies
// natively (src/auth/backend.rs), for the auth routes' own backend calls.
//
// - Only a definite rejection (400, 401, 403) means "this credential is dead": cookies are
//   cleared and the token revoked. Anything else (404 route missing, 408/429, 5xx, down,
//   timeout, too big, not JSON) is backend trouble: the user keeps the session.
// - A body is read up to a cap; a larger one is backend trouble, never buffered whole.

const { readUpTo } = require('./read-up-to')

/** Statuses that reject a credential for good. */
const REJECTION_STATUSES = Object.freeze([400, 401, 403])

function isDefiniteRejection(status) {
  return REJECTION_STATUSES.includes(status)
}

/** Thrown by readTextCapped when the answer is larger than the cap. */
class AnswerTooLarge extends Error {
  constructor(max) {
    super(`the backend answer is larger than ${max} bytes`)
    this.code = 'ERR_BACKEND_TOO_LARGE'
  }
}

/** The body of `res` as text, never more than `max` bytes in memory (else AnswerTooLarge). */
async function readTextCapped(res, max) {
  const declared = Number(res.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => {})
    throw new AnswerTooLarge(max)
  }
  if (!res.body) return ''
  const bytes = await readUpTo(res.body, max)
  if (bytes === null) throw new AnswerTooLarge(max)
  return bytes.toString('utf8')
}

const warned = new Set()

/**
 * A configured endpoint that answers 404 is almost always a wrong `endpoints.*` option: say so
 * loudly, once per URL (a 404 is backend trouble, never a logout).
 */
function warnMissingEndpoint(url, option) {
  if (warned.has(url)) return
  warned.add(url)
  console.error(
    `[next-api-layer-native] ${url} answered 404: the endpoint does not exist. Check ${option}; nobody is logged out because of it.`,
  )
}

module.exports = {
  REJECTION_STATUSES,
  isDefiniteRejection,
  AnswerTooLarge,
  readTextCapped,
  warnMissingEndpoint,
}
