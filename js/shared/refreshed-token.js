// `x-refreshed-token`: the token the auth proxy refreshed (or minted as guest) in this request,
// passed to code behind it before the browser has the new cookie. A route the proxy's matcher
// skips gets the client's headers untouched, so the header is believed only together with the
// proxy's signature (`x-refreshed-token-sig`, an HMAC under this process's secret).

const native = require('./native')

/** The verified refreshed token of `headers` (anything with `get`), or undefined. */
function verifiedRefreshedToken(headers) {
  const get = typeof headers?.get === 'function' ? (n) => headers.get(n) : () => null
  const token = get('x-refreshed-token')
  const sig = get('x-refreshed-token-sig')
  if (!token || !sig || typeof native.verifyRefreshedToken !== 'function') return undefined
  return native.verifyRefreshedToken(token, sig) ? token : undefined
}

module.exports = { verifiedRefreshedToken }
