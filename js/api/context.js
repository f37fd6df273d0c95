// The incoming request as createApiClient sees it: the auth cookies, the token the auth proxy
// refreshed in this request (x-refreshed-token) and the locale, read from the request's
// `context` option, from the client's getHeaders/getCookies, or from next/headers.

const { parseCookieHeader } = require('../shared/cookie-header')
const { verifiedRefreshedToken } = require('../shared/refreshed-token')

let nextHeaders // undefined: not tried yet; null: unavailable
function loadNextHeaders() {
  if (nextHeaders === undefined) {
    try {
      nextHeaders = require('next/headers')
    } catch {
      nextHeaders = null
    }
  }
  return nextHeaders
}

function rethrowNextInternals(err) {
  // headers()/cookies() signal dynamic rendering by throwing; those must reach Next.js.
  try {
    const nav = require('next/navigation')
    if (typeof nav.unstable_rethrow === 'function') nav.unstable_rethrow(err)
  } catch (e) {
    if (e === err) throw e
  }
}

function headerGetter(h) {
  if (!h) return () => undefined
  if (typeof h.get === 'function') return (name) => h.get(name) ?? undefined
  const lower = {}
  for (const [k, v] of Object.entries(h))
    lower[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v
  return (name) => lower[name.toLowerCase()]
}

function cookieGetter(c) {
  if (!c) return () => undefined
  if (typeof c === 'string') {
    const jar = parseCookieHeader(c)
    return (name) => jar.get(name)
  }
  if (typeof c.get === 'function') {
    return (name) => {
      const v = c.get(name)
      return v && typeof v === 'object' ? v.value : (v ?? undefined)
    }
  }
  return (name) => c[name]
}

/** The request's headers and cookies, from the first source that has them. */
async function requestSources(config, options) {
  const ctx = options.context || {}
  if (ctx.headers || ctx.cookies) return { h: ctx.headers, c: ctx.cookies }
  if (config.getHeaders || config.getCookies) {
    const h = config.getHeaders ? await config.getHeaders() : undefined
    const c = config.getCookies ? await config.getCookies() : undefined
    return { h, c }
  }
  const nh = loadNextHeaders()
  if (!nh) return {}
  try {
    const h = await nh.headers()
    const c = await nh.cookies()
    return { h, c }
  } catch (err) {
    rethrowNextInternals(err)
    return {}
  }
}

/**
 * `{ refreshedToken, cookie, locale }` for the native plan: `cookie` holds only the two auth
 * cookies (with no cookies source, they are read from the Cookie header).
 */
async function readContext(s, options) {
  const { h, c } = await requestSources(s.config, options)
  const getH = headerGetter(h)
  const getC = c ? cookieGetter(c) : cookieGetter(getH('cookie'))
  const user = getC(s.userName)
  const guest = getC(s.guestName)
  const parts = []
  if (user) parts.push(`${s.userName}=${user}`)
  if (guest) parts.push(`${s.guestName}=${guest}`)
  return {
    // believed only with the auth proxy's signature (a route outside its matcher gets the
    // client's headers as sent)
    refreshedToken: verifiedRefreshedToken({ get: getH }),
    cookie: parts.length ? parts.join('; ') : undefined,
    locale: getH('x-locale') || undefined,
  }
}

module.exports = { readContext }
