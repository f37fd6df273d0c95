// Reading a raw `cookie` request header in JS (a plain Request, or a header string the caller
// passes), for getServerUser and createApiClient. One parser, shared.

/**
 * The cookies of a `cookie` header, name -> value (values as sent, not decoded). The first of a
 * repeated name wins: browsers send the cookie with the longest path first.
 * @param {string | null | undefined} header
 * @returns {Map<string, string>}
 */
function parseCookieHeader(header) {
  const jar = new Map()
  for (const part of (header || '').split(';')) {
    const i = part.indexOf('=')
    if (i < 0) continue
    const name = part.slice(0, i).trim()
    if (name && !jar.has(name)) jar.set(name, part.slice(i + 1).trim())
  }
  return jar
}

module.exports = { parseCookieHeader }
