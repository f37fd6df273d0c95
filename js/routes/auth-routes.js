// createAuthRoutes: ready-made route handlers for login, logout, me, refresh and register.
//
// They call the backend, keep the tokens in httpOnly cookies (built natively by the engine's
// cookie builder, the same attributes the auth proxy writes) and give the browser the user,
// never a token. This is what AuthProvider talks to by default.
//
// The stages live beside this file: options.js (option checks, the cookie jar, the attempt
// limiter), body.js (the capped request body, credentials), backend.js (the backend call,
// refresh, user, reporting, CSRF cookie), actions.js (what each route does) and response.js
// (the JSON answers). This file keeps the dispatch and the default parsers.

const { normalizeBackendError } = require('../shared/backend-errors')
const { ACTIONS, isObject, resolveAuthRoutesOptions } = require('./options')
const actions = require('./actions')
const { json } = require('./response')

/**
 * Default mapper of the backend's login/register/refresh JSON:
 * `{ data: { token | access_token, refresh_token?, user? } }` (or the same fields at the top).
 */
function defaultParseAuthResponse(json) {
  const d = isObject(json?.data) ? json.data : json
  if (!isObject(d)) return null
  const token = d.token ?? d.access_token ?? d.accessToken
  if (typeof token !== 'string' || token === '') return null
  const refreshToken = d.refresh_token ?? d.refreshToken
  return {
    token,
    refreshToken:
      typeof refreshToken === 'string' && refreshToken !== '' ? refreshToken : undefined,
    user: isObject(d.user) ? d.user : undefined,
  }
}

/** Default mapper of the backend's `me` JSON: `{ data: user }` (or `{ user }`). */
function defaultParseUserResponse(json) {
  if (isObject(json?.data)) return isObject(json.data.user) ? json.data.user : json.data
  if (isObject(json?.user)) return json.user
  return null
}

async function actionOf(context) {
  const params = context?.params ? await context.params : undefined
  if (!isObject(params)) return undefined
  let v = params.action ?? Object.values(params)[0]
  if (Array.isArray(v)) v = v.length === 1 ? v[0] : undefined
  return typeof v === 'string' ? v : undefined
}

/**
 * @param {import('./auth-routes').AuthRoutesConfig} [config]
 * @returns {import('./auth-routes').AuthRoutes}
 */
function createAuthRoutes(config = {}) {
  const s = resolveAuthRoutesOptions(config, {
    parseAuthResponse: defaultParseAuthResponse,
    parseUserResponse: defaultParseUserResponse,
  })
  const login = actions.signIn(s, 'login', 200)
  const register = actions.signIn(s, 'register')
  const logout = (request) => actions.logout(s, request)
  const me = (request) => actions.me(s, request)
  const refresh = (request) => actions.refresh(s, request)
  const byAction = { login, register, logout, me, refresh }

  /** For `app/api/auth/[action]/route.ts`: dispatches on the `action` param and the method. */
  async function handler(request, context) {
    const action = await actionOf(context)
    const fn = action && Object.hasOwn(byAction, action) ? byAction[action] : undefined
    if (!fn) return json(404, { success: false, message: 'Not found.' })
    const method = String(request.method || 'GET').toUpperCase()
    const allowed = ACTIONS[action]
    if (method !== allowed) {
      return json(405, { success: false, message: 'Method not allowed.' }, [], { allow: allowed })
    }
    return fn(request)
  }

  return {
    handler,
    GET: handler,
    POST: handler,
    login,
    register,
    logout,
    me,
    refresh,
    cookieNames: {
      user: s.jar.userCookieName,
      guest: s.jar.guestCookieName,
      refresh: s.jar.refreshCookieName,
    },
  }
}

module.exports = {
  createAuthRoutes,
  defaultParseAuthResponse,
  defaultParseUserResponse,
  normalizeBackendError,
}
