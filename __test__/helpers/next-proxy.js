// What code behind the auth proxy sees, for the tests that drive createAuthProxy with real
// NextRequests against the demo backend.

/** The request headers code behind the proxy sees, computed the way Next.js applies them. */
function downstream(req, res) {
  const list = res.headers.get('x-middleware-override-headers')
  if (list === null) return new Headers(req.headers)
  const out = new Headers()
  for (const name of list.split(',').filter(Boolean)) {
    const v = res.headers.get(`x-middleware-request-${name}`)
    if (v !== null) out.set(name, v)
  }
  return out
}

/** The user the proxy forwarded in `x-auth-user`, or null. */
function authUser(headers) {
  const v = headers.get('x-auth-user')
  return v ? JSON.parse(Buffer.from(v, 'base64').toString('utf8')) : null
}

/**
 * The user code behind the proxy gets from `getServerUser({ request })`: the signed header
 * when the proxy sent one, else the proxy engine's cache by the request's cookie (an
 * unchanged request, `userHeader: 'auto'`). Null when none.
 */
async function downstreamUser(req, res) {
  const { NextRequest } = require('next/server')
  const { getServerUser } = require('../../server')
  const request = new NextRequest(req.url, { headers: downstream(req, res) })
  return (await getServerUser({ request })).user
}

/** Logs in at the demo backend and resolves its `data` (the token pair). */
async function loginAt(backendUrl, email = 'demo@example.com') {
  const res = await fetch(`${backendUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'password' }),
  })
  return (await res.json()).data
}

module.exports = { downstream, authUser, downstreamUser, loginAt }
