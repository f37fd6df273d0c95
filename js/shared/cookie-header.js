// Reading a raw `cookie` request header in JS (a plain Request, or a header string the caller
// passes), for getServerUser and createApiClient. One parser, shared.

/**
 * The cookies of a `cookie` header, name -> value (values as sent, not decoded). A name sent
 * more than once is left out: parsers disagree on which copy wins (Next.js's `cookies()` takes
 * the last), so the layer reads none, like the engine (src/http/cookies.rs `get_cookie`).
 * @param {string | null | undefined} header
 * @returns {Map<string, string>}
 */
function parseCookieHeader(header) {
  const jar = new Map()
  const twice = new Set()
  for (const part of (header || '').split(';')) {
    const i = part.indexOf('=')
    if (i < 0) continue
    const name = part.slice(0, i).trim()
    if (!name) continue
    if (jar.has(name)) twice.add(name)
    else jar.set(name, part.slice(i + 1).trim())
  }
  for (const name of twice) jar.delete(name)
  return jar
}

/** True when `name` appears more than once in the `cookie` header. */
function isDuplicatedCookie(header, name) {
  let seen = 0
  for (const part of (header || '').split(';')) {
    const i = part.indexOf('=')
    if (i >= 0 && part.slice(0, i).trim() === name && ++seen > 1) return true
  }
  return false
}

module.exports = { parseCookieHeader, isDuplicatedCookie }
