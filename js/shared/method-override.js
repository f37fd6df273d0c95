// Method override (`X-HTTP-Method-Override: PUT`, `?_method=PUT`): frameworks behind the
// backend (Laravel, Rails, Express method-override) honour it, so a GET carrying one is really a
// PUT. Two rules, one module:
// - the auth proxy judges such a request as the method it overrides to (CSRF applies);
// - the catch-all never forwards an override on a safe method (it would turn a request the
//   CSRF check let through as "safe" into a write).

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
const OVERRIDE_HEADERS = Object.freeze([
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
])
const QUERY_PARAMS = Object.freeze(['_method'])

/** The override the request carries (header first, then the query), upper-cased, or null. */
function overrideOf(headers, search) {
  for (const name of OVERRIDE_HEADERS) {
    const v = headers.get(name)
    if (v?.trim()) return v.trim().toUpperCase()
  }
  return queryOverride(search)
}

/** The override in the query (`?_method=PUT`), upper-cased, or null. */
function queryOverride(search) {
  if (search?.includes('_method')) {
    const params = new URLSearchParams(search)
    for (const name of QUERY_PARAMS) {
      const v = params.get(name)
      if (v?.trim()) return v.trim().toUpperCase()
    }
  }
  return null
}

/**
 * The method a request is judged as: a safe method carrying an override to an unsafe one is
 * that unsafe method. Cheap on the hot path: two header reads for a plain GET.
 */
function effectiveMethod(method, headers, search) {
  const m = String(method || 'GET').toUpperCase()
  if (!SAFE_METHODS.has(m)) return m
  const o = overrideOf(headers, search)
  return o && !SAFE_METHODS.has(o) ? o : m
}

/**
 * The same, from an override header value the caller already read (`null`: none) and the
 * query: for the proxy's one-pass header reader.
 */
function effectiveMethodWith(method, headerOverride, search) {
  // the request's own method is upper-case already (the runtime normalises the standard ones)
  const m = SAFE_METHODS.has(method) ? method : String(method || 'GET').toUpperCase()
  if (!SAFE_METHODS.has(m)) return m
  const o = headerOverride?.trim() ? headerOverride.trim().toUpperCase() : queryOverride(search)
  return o && !SAFE_METHODS.has(o) ? o : m
}

/** The override header names, for a one-pass reader. */
const OVERRIDE_SET = new Set(OVERRIDE_HEADERS)

/** Does a safe-method request carry a method override in its query (refused by the catch-all)? */
function hasQueryOverride(search) {
  if (!search?.includes('_method')) return false
  const params = new URLSearchParams(search)
  return QUERY_PARAMS.some((n) => params.has(n))
}

module.exports = {
  SAFE_METHODS,
  OVERRIDE_HEADERS,
  overrideOf,
  effectiveMethod,
  effectiveMethodWith,
  OVERRIDE_SET,
  hasQueryOverride,
}
