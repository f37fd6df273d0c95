// The JSON answers the auth routes give the browser (never a token).

const { isObject } = require('./options')

function json(status, body, setCookies = [], extra) {
  const headers = new Headers(extra)
  headers.set('content-type', 'application/json; charset=utf-8')
  headers.set('cache-control', 'no-store')
  for (const c of setCookies) headers.append('set-cookie', c)
  return new Response(JSON.stringify(body), { status, headers })
}

/**
 * A failure body from the backend, reduced to what the browser may see (never tokens): its
 * message and field errors as `parseError` (default: ../shared/backend-errors.js) reads them.
 */
function failureBody(status, backendJson, fallback, parseError, info) {
  const body = { success: false, message: fallback }
  const found = backendJson === null ? null : parseError(backendJson, info)
  if (isObject(found)) {
    if (typeof found.message === 'string' && found.message) body.message = found.message
    if (isObject(found.errors) && Object.keys(found.errors).length > 0) body.errors = found.errors
  }
  if (status === 401 && body.message === fallback) body.message = 'Unauthenticated.'
  return body
}

module.exports = { json, failureBody }
