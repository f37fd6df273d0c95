'use client'

// Double-submit CSRF from the browser: read the (non-httpOnly) CSRF cookie that the auth proxy
// sets and echo it in a header on unsafe requests. Names match the security pipeline:
// cookie '__csrf', header 'x-csrf-token'.

const CSRF_COOKIE = '__csrf'
const CSRF_HEADER = 'x-csrf-token'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

/** The CSRF cookie's value, or null (also on the server, where there is no document). */
function getCsrfToken(cookieName = CSRF_COOKIE, cookieString) {
  const source =
    cookieString ?? (typeof document !== 'undefined' && document ? document.cookie : '')
  if (!source) return null
  for (const part of source.split(';')) {
    const i = part.indexOf('=')
    if (i < 0) continue
    if (part.slice(0, i).trim() !== cookieName) continue
    const raw = part.slice(i + 1).trim()
    try {
      return decodeURIComponent(raw)
    } catch {
      return raw
    }
  }
  return null
}

/** `{ 'x-csrf-token': token }` when the cookie is there, else `{}`. */
function csrfHeaders(options = {}) {
  const token = getCsrfToken(options.cookieName ?? CSRF_COOKIE, options.cookieString)
  return token ? { [options.headerName ?? CSRF_HEADER]: token } : {}
}

/** Returns a copy of a fetch `init` with the CSRF header added for unsafe methods. */
function withCsrf(init = {}, options = {}) {
  const method = String(init.method || 'GET').toUpperCase()
  if (SAFE_METHODS.has(method)) return init
  const headers = new Headers(init.headers)
  for (const [k, v] of Object.entries(csrfHeaders(options))) {
    if (!headers.has(k)) headers.set(k, v)
  }
  return { ...init, headers }
}

/** `fetch` that adds the CSRF header on POST/PUT/PATCH/DELETE and sends cookies same-origin. */
function csrfFetch(input, init = {}, options = {}) {
  return fetch(input, { credentials: 'same-origin', ...withCsrf(init, options) })
}

module.exports = { CSRF_COOKIE, CSRF_HEADER, getCsrfToken, csrfHeaders, withCsrf, csrfFetch }
