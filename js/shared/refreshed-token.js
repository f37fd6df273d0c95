// `x-refreshed-token`: the token the auth proxy refreshed (or minted as guest) in this request,
// passed to code behind it before the browser has the new cookie. A route the proxy's matcher
// skips gets the client's headers untouched, so the header is believed only together with the
// proxy's signature (`x-refreshed-token-sig`, an HMAC under this process's secret).

const native = require('./native')

/** The verified refreshed token of `headers` (anything with `get`), or undefined. */
function verifiedRefreshedToken(headers) {
  if (typeof headers?.get !== 'function') return undefined
  // nearly every request has none: one header lookup then
  const token = headers.get('x-refreshed-token')
  if (!token) return undefined
  const sig = headers.get('x-refreshed-token-sig')
  if (!sig || typeof native.verifyRefreshedToken !== 'function') return undefined
  return native.verifyRefreshedToken(token, sig) ? token : undefined
}

module.exports = { verifiedRefreshedToken }
