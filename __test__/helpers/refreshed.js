// A token refreshed by a real auth proxy, with the signature downstream code requires
// (`x-refreshed-token-sig`): what a route behind the proxy sees after a refresh in the request.

const { NextRequest } = require('next/server')

let seq = 0

/** `{ stale, fresh, sig }` for `sub` (the stale token is expired, the proxy refreshed it). */
async function refreshedByProxy(backend, sub = '1') {
  const { createAuthProxy } = require('../../index.js')
  seq += 1
  const proxy = createAuthProxy({ apiBaseUrl: backend.url, cache: { maxSize: 7000 + seq } })
  const stale = (await backend.mint({ sub, ttl: -30 })).token
  const res = await proxy(
    new NextRequest('http://app.test/x', { headers: { cookie: `userToken=${stale}` } }),
  )
  const fresh = res.headers.get('x-middleware-request-x-refreshed-token')
  const sig = res.headers.get('x-middleware-request-x-refreshed-token-sig')
  if (!fresh || !sig) throw new Error('the proxy did not refresh')
  return { stale, fresh, sig }
}

module.exports = { refreshedByProxy }
