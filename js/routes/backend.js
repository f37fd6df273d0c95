// The auth routes' calls to the backend and what they make of its answers: one call (capped,
// timed out, judged by the same rules as the engine), refreshing a session, fetching the user,
// reporting failures (log + onError) and adding the CSRF cookie bound to a new session.
// Each function takes the settings resolved by ./options.js as `s`.

const { findCsrfEngine } = require('../shared/engine')
const {
  AnswerTooLarge,
  isDefiniteRejection,
  readTextCapped,
  warnMissingEndpoint,
} = require('../shared/backend-answer')
const { ACTIONS } = require('./options')
const { json } = require('./response')

/**
 * `cookies` plus the CSRF cookie bound to the new session (`token`; none: anonymous), minted
 * natively by the auth proxy's engine, so an unsafe request right after a login, logout or
 * refresh passes the proxy's CSRF check without a navigation in between.
 */
async function withCsrf(s, cookies, token) {
  if (!s.csrfOn) return cookies
  s.csrfEngine ??= findCsrfEngine(s.csrfLookup)
  if (!s.csrfEngine) return cookies
  try {
    const set = await s.csrfEngine.csrfCookie(token ?? null)
    return set ? [...cookies, set] : cookies
  } catch (error) {
    report(s, error, { action: 'csrf', status: 200 })
    return cookies
  }
}

function report(s, error, info) {
  const detail = error?.cause?.code || error?.cause?.message || error?.message
  console.error(`[next-api-layer-native] auth ${info.action} failed: ${detail}`)
  if (s.config.onError) {
    try {
      s.config.onError(error, info)
    } catch {}
  }
}

/** Reports a backend answer that cannot be used (`problem`) and answers 502. */
function invalidResponse(s, problem, action) {
  report(s, new Error(problem), { action, status: 502 })
  return json(502, {
    success: false,
    message: 'The authentication service sent an invalid response.',
  })
}

/** Calls the backend; resolves { status, body } or a ready error Response. */
async function backend(s, action, { token, body, request }) {
  const headers = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (token) headers.authorization = `Bearer ${token}`
  const lang = request?.headers.get('accept-language')
  if (lang) headers['accept-language'] = lang
  let res
  let text
  try {
    res = await fetch(s.endpoints[action], {
      method: ACTIONS[action] === 'GET' ? 'GET' : 'POST',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      redirect: 'manual',
      signal: AbortSignal.timeout(s.timeout),
    })
    // inside the try: the connection can drop (or the timeout fire) mid-body too
    text = await readTextCapped(res, s.maxResponseBytes)
  } catch (error) {
    if (error instanceof AnswerTooLarge) {
      return { error: invalidResponse(s, `${action}: ${error.message}`, action) }
    }
    const timedOut = error?.name === 'TimeoutError'
    report(s, error, { action, status: timedOut ? 504 : 502 })
    return {
      error: json(timedOut ? 504 : 502, {
        success: false,
        message: timedOut
          ? 'The authentication service did not respond in time.'
          : 'The authentication service is unavailable.',
      }),
    }
  }
  let parsed = null
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    if (res.ok) {
      return {
        error: invalidResponse(
          s,
          `backend answered ${res.status} with a body that is not JSON`,
          action,
        ),
      }
    }
  }
  if (res.status === 404) warnMissingEndpoint(s.endpoints[action], `endpoints.${action}`)
  return { status: res.status, ok: res.ok, body: parsed }
}

/**
 * A backend answer that is neither success nor a definite rejection (404, 5xx, 429...):
 * backend trouble, answered 503 with the user's cookies untouched.
 */
function troubleResponse(s, action, status) {
  report(s, new Error(`backend ${action} answered ${status}`), { action, status: 503 })
  return json(503, {
    success: false,
    message: 'The authentication service is unavailable.',
  })
}

/**
 * Refreshes the session. `refresh.style`: 'cookie' sends the refresh cookie in the body,
 * 'bearer' sends the user token as Bearer, 'auto' (default) tries the refresh cookie and falls
 * back to the user token when that is refused (the auth proxy may have refreshed with the
 * access token meanwhile, leaving the refresh cookie stale).
 */
async function refreshSession(s, request, cookie) {
  const refreshToken = s.refreshStyle === 'bearer' ? undefined : s.jar.refreshToken(cookie)
  const userToken = s.refreshStyle === 'cookie' ? undefined : s.jar.userToken(cookie)
  const attempts = []
  if (refreshToken) attempts.push({ body: { [s.refreshField]: refreshToken } })
  if (userToken) attempts.push({ token: userToken, body: {} })
  let r = { status: 401, body: null }
  for (const attempt of attempts) {
    r = await backend(s, 'refresh', { request, ...attempt })
    if (r.error || r.ok || r.status !== 401) break
  }
  if (r.error) return r
  if (!r.ok) {
    return isDefiniteRejection(r.status) ? r : { error: troubleResponse(s, 'refresh', r.status) }
  }
  const { parseAuth } = s // called unbound, as the user's function always was
  const auth = parseAuth(r.body, { action: 'refresh', status: r.status })
  const cookies = auth?.token ? s.jar.session(auth.token, auth.refreshToken) : null
  if (!cookies) {
    return { error: invalidResponse(s, 'refresh response had no usable token', 'refresh') }
  }
  return { ok: true, status: r.status, token: auth.token, user: auth.user, cookies }
}

async function fetchUser(s, request, token) {
  const r = await backend(s, 'me', { request, token })
  if (r.error || !r.ok) return r
  const { parseUser } = s
  return { ok: true, status: r.status, user: parseUser(r.body) }
}

module.exports = {
  backend,
  fetchUser,
  invalidResponse,
  refreshSession,
  report,
  troubleResponse,
  withCsrf,
}
