// What each auth route does: login/register (signIn), logout, me and refresh. Each takes the
// settings resolved by ./options.js as `s` and a Request, and answers a Response; the tokens
// stay in httpOnly cookies, the browser gets the user.

const native = require('../shared/native')
const { cachedUser, revokeToken } = require('../shared/engine')
const { verifiedRefreshedToken } = require('../shared/refreshed-token')
const { isDefiniteRejection } = require('../shared/backend-answer')
const { isObject } = require('./options')
const { BodyTooLarge, readCredentials } = require('./body')
const { json, failureBody } = require('./response')
const {
  backend,
  fetchUser,
  invalidResponse,
  refreshSession,
  report,
  troubleResponse,
  withCsrf,
} = require('./backend')

/** The user the auth proxy put in `x-auth-user` for this request, if its signature holds. */
function verifiedProxyUser(headers) {
  const value = headers.get('x-auth-user')
  const sig = headers.get('x-auth-user-sig')
  if (!value || !sig || typeof native.verifyAuthUser !== 'function') return null
  if (!native.verifyAuthUser(value, sig)) return null
  try {
    const user = JSON.parse(Buffer.from(value, 'base64').toString('utf8'))
    return isObject(user) ? user : null
  } catch {
    return null
  }
}

/** The login (`action` 'login') or register handler. */
function signIn(s, action, successStatus) {
  const { parseAuth, parseError } = s // called unbound, as the user's functions always were
  return async function signInHandler(request) {
    let credentials
    try {
      credentials = await readCredentials(request, s.maxBodyBytes)
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        return json(413, { success: false, message: 'The request body is too large.' })
      }
      return json(400, { success: false, message: 'The request body must be JSON or a form.' })
    }
    const limited = s.limiter?.check(action, credentials, request)
    if (limited) {
      return json(
        429,
        { success: false, message: 'Too many attempts. Please try again later.' },
        [],
        limited,
      )
    }
    const r = await backend(s, action, { request, body: credentials })
    if (r.error) return r.error
    if (!r.ok) {
      const info = { action, status: r.status }
      const body = failureBody(r.status, r.body, 'The given data was invalid.', parseError, info)
      return json(r.status, body)
    }
    const auth = parseAuth(r.body, { action, status: r.status })
    const cookies = auth?.token ? s.jar.session(auth.token, auth.refreshToken) : null
    if (!cookies) {
      return invalidResponse(s, `${action} response had no usable token`, action)
    }
    let user = auth.user
    if (user === undefined) {
      const me = await fetchUser(s, request, auth.token)
      user = me.ok ? me.user : null
    }
    const message =
      typeof r.body?.message === 'string'
        ? r.body.message
        : action === 'login'
          ? 'Logged in.'
          : 'Registered.'
    return json(
      successStatus ?? r.status,
      { success: true, message, data: { user } },
      await withCsrf(s, cookies, auth.token),
    )
  }
}

/**
 * Logout revokes on the backend what it can: the access token as Bearer and the refresh token
 * in the JSON body under `logout.bodyField` (default `refresh.bodyField`: simplejwt's blacklist
 * view wants `{ refresh }`). The cookies are cleared whatever the backend answers.
 */
async function logout(s, request) {
  const { jar, csrfLookup, logoutCfg } = s
  const cookie = request.headers.get('cookie') ?? undefined
  // A token the proxy refreshed in this very request is the live one: revoke that.
  const live = verifiedRefreshedToken(request.headers) || jar.userToken(cookie) || undefined
  // Dead at once in this process's engines (and the cookie's token too, when the proxy
  // refreshed it in this request), whatever the backend answers below.
  revokeToken(csrfLookup, live)
  revokeToken(csrfLookup, jar.userToken(cookie))
  const token = logoutCfg.sendAccessToken === false ? undefined : live
  const refreshToken =
    logoutCfg.sendRefreshToken === false ? undefined : jar.refreshToken(cookie) || undefined
  if (token || refreshToken) {
    const body = refreshToken ? { [s.logoutField]: refreshToken } : undefined
    const r = await backend(s, 'logout', { request, token, body })
    if (!r.error && !r.ok && r.status !== 401) {
      report(s, new Error(`backend logout answered ${r.status}`), {
        action: 'logout',
        status: r.status,
      })
    }
  }
  return json(200, { success: true, message: 'Logged out.' }, await withCsrf(s, jar.clear()))
}

async function me(s, request) {
  const { jar, csrfLookup } = s
  // Fast path: the auth proxy already validated this request's token and passed the user in
  // the signed `x-auth-user` header (a forged one fails the signature check).
  const fromProxy = verifiedProxyUser(request.headers)
  if (fromProxy) return json(200, { success: true, data: { user: fromProxy } })
  const cookie = request.headers.get('cookie') ?? undefined
  const picked = jar.pick(cookie, verifiedRefreshedToken(request.headers))
  const unauthenticated = (cookies = []) =>
    json(401, { success: false, message: 'Unauthenticated.', data: { user: null } }, cookies)
  if (!picked) return unauthenticated()
  // An unchanged request carries no header (userHeader 'auto'): the proxy's engine judged
  // this token moments ago; its cache answers without a backend call.
  const cached = cachedUser(csrfLookup, picked.token)
  if (cached) return json(200, { success: true, data: { user: cached } })
  const r = await fetchUser(s, request, picked.token)
  if (r.error) return r.error
  if (r.ok) return json(200, { success: true, data: { user: r.user } })
  if (r.status !== 401) {
    const info = { action: 'me', status: r.status }
    return json(r.status, failureBody(r.status, r.body, 'Request failed.', s.parseError, info))
  }
  if (picked.source !== 'user') return unauthenticated()
  // The user token was refused: try one refresh, then ask again with the new token.
  const refreshed = await refreshSession(s, request, cookie)
  if (refreshed.error) return refreshed.error
  if (!refreshed.ok) {
    revokeToken(csrfLookup, picked.token)
    return unauthenticated(jar.clear())
  }
  const again = await fetchUser(s, request, refreshed.token)
  if (again.error) return again.error
  if (!again.ok) {
    if (!isDefiniteRejection(again.status)) return troubleResponse(s, 'me', again.status)
    revokeToken(csrfLookup, refreshed.token)
    return unauthenticated(jar.clear())
  }
  return json(
    200,
    { success: true, data: { user: again.user } },
    await withCsrf(s, refreshed.cookies, refreshed.token),
  )
}

async function refresh(s, request) {
  const cookie = request.headers.get('cookie') ?? undefined
  const r = await refreshSession(s, request, cookie)
  if (r.error) return r.error
  if (!r.ok) {
    // a definite rejection: the session's access token is dead too
    revokeToken(s.csrfLookup, s.jar.userToken(cookie))
    return json(401, { success: false, message: 'Session expired.', data: { user: null } }, [
      ...s.jar.clear(),
    ])
  }
  let user = r.user
  if (user === undefined) {
    const u = await fetchUser(s, request, r.token)
    user = u.ok ? u.user : null
  }
  return json(200, { success: true, data: { user } }, await withCsrf(s, r.cookies, r.token))
}

module.exports = { signIn, logout, me, refresh }
