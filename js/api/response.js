// ApiResponse, the result of every createApiClient call, and the responses the client writes
// itself: a failure it answers on its own (no token, timeout, network, invalid JSON) and the
// generic body that replaces a backend's 5xx details.

/**
 * The result of every call: a real `Response` (a route handler can return it as it is, and
 * `await res.json()` works as with the original library) that also carries the decoded
 * `{ success, data, message, errors, error, attempts, requestId }`.
 */
class ApiResponse extends Response {
  constructor(body, init, fields, lazy) {
    super(body, init)
    for (const [k, v] of Object.entries(fields)) {
      if (v !== undefined) {
        Object.defineProperty(this, k, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        })
      }
    }
    if (lazy) {
      let decoded
      const get = () => {
        if (!decoded) decoded = lazy()
        return decoded
      }
      for (const k of ['success', 'data', 'message', 'errors']) {
        Object.defineProperty(this, k, {
          enumerable: true,
          configurable: true,
          get: () => get()[k],
          set: (v) => {
            get()[k] = v
          },
        })
      }
    }
  }
}

// Headers never passed on from the backend's response: hop-by-hop, the encoding and length of
// a body we have already decoded, and cookies (they belong to the backend, not to the app).
const DROP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'content-encoding',
  'content-length',
  'set-cookie',
])

function passHeaders(from, idHeader, id) {
  const out = new Headers()
  for (const [k, v] of from.entries()) if (!DROP_HEADERS.has(k)) out.append(k, v)
  if (idHeader && id) out.set(idHeader, id)
  return out
}

// A failure we answer ourselves (no token, timeout, network, invalid JSON): JSON body
// `{ success: false, message }` with the given status.
function failure(s, status, message, error, extra = {}) {
  const headers = new Headers({ 'content-type': 'application/json' })
  if (extra.requestId) headers.set(s.reqId.headerName, extra.requestId)
  return new ApiResponse(
    JSON.stringify({ success: false, message }),
    { status, headers },
    { ...extra, success: false, data: null, message, error },
  )
}

// A backend's 5xx: the caller gets errorMessages.serverError, not the backend's details.
function serverFailure(s, status, headers, fields) {
  headers.set('content-type', 'application/json')
  return new ApiResponse(
    JSON.stringify({ success: false, message: s.msgs.serverError }),
    { status, headers },
    { ...fields, success: false, message: s.msgs.serverError },
  )
}

module.exports = { ApiResponse, passHeaders, failure, serverFailure }
