'use client'

// The return-to rule, in the browser and the example app: the same rule as the auth proxy's
// (src/http/return_to.rs), checked against the same table (tests/fixtures/return-to.json).
//
// The candidate is resolved with the URL parser against the page's origin and accepted only
// when the resolved URL keeps that origin and its path does not start with `//` or `/\`
// (`/..//evil.com` resolves to `//evil.com`, which a browser follows off-site). The result is
// the resolved `/path?query#fragment`; anything else gives the fallback.

const PLACEHOLDER_ORIGIN = 'http://return-to.invalid'
const MAX_RETURN_TO = 2048
/** Query parameters a return-to is commonly carried in, in the order they are read. */
const RETURN_PARAMS = ['returnTo', 'callbackUrl', 'redirect', 'from', 'next']

function baseOrigin(origin) {
  if (typeof origin === 'string' && origin !== '') {
    try {
      const u = new URL(origin)
      if ((u.protocol === 'http:' || u.protocol === 'https:') && u.host) return u
    } catch {}
  }
  return new URL(PLACEHOLDER_ORIGIN)
}

function pageOrigin() {
  return typeof window !== 'undefined' && window.location ? window.location.origin : undefined
}

/**
 * The same-origin target `candidate` resolves to, or `null`.
 * @param {unknown} candidate
 * @param {string} [origin] the request's `scheme://host[:port]` (in a browser: the page's)
 */
function resolveReturnTo(candidate, origin = pageOrigin()) {
  if (typeof candidate !== 'string' || candidate === '' || candidate.length > MAX_RETURN_TO) {
    return null
  }
  // The parser drops tabs/newlines and trims controls and spaces: refuse rather than guess.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
  if (/[\u0000-\u0020\u007f-\u009f\u00a0]/.test(candidate)) return null
  const base = baseOrigin(origin)
  let resolved
  try {
    resolved = new URL(candidate, base)
  } catch {
    return null
  }
  if (resolved.origin !== base.origin || resolved.username !== '' || resolved.password !== '') {
    return null
  }
  const path = resolved.pathname
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return null
  // path, query and fragment exactly as serialised (an empty `?` or `#` included)
  return resolved.href.slice(resolved.origin.length)
}

/**
 * `candidate` if it is a safe return-to (see resolveReturnTo), else `fallback`.
 * @param {unknown} candidate
 * @param {{ fallback?: string, origin?: string }} [options]
 */
function safeReturnTo(candidate, options = {}) {
  const fallback = options.fallback ?? '/'
  return resolveReturnTo(candidate, options.origin ?? pageOrigin()) ?? fallback
}

/**
 * The safe return-to carried in `params` (URLSearchParams or anything with `get`), reading
 * returnTo, callbackUrl, redirect, from, next in that order; else `fallback`.
 * @param {{ get(name: string): string | null }} params
 * @param {{ fallback?: string, origin?: string, names?: string[] }} [options]
 */
function returnToFrom(params, options = {}) {
  for (const name of options.names ?? RETURN_PARAMS) {
    const v = params?.get(name)
    if (v) return safeReturnTo(v, options)
  }
  return options.fallback ?? '/'
}

module.exports = { resolveReturnTo, safeReturnTo, returnToFrom, RETURN_PARAMS }
