// What createApiClient logs with the debug option on: requests, retries, joined requests and
// responses, each passed through the redactor (./redact.js) before it reaches the logger.

const { elapsedSince, wallDate } = require('../shared/clock')

function createLog(debug, redactor) {
  return function log(message, data) {
    if (!debug.enabled) return
    const safe = data === undefined ? undefined : redactor.redact(data)
    if (typeof debug.logger === 'function') return debug.logger(message, safe)
    const prefix = `[next-api-layer] ${wallDate().toISOString()} ${message}`
    if (safe === undefined) console.log(prefix)
    else console.log(prefix, safe)
  }
}

/** `call`: `{ method, endpoint, wireMethod, url, timeoutMs, requestId, headers, body }`. */
function logRequest(s, call) {
  const { debug } = s
  if (!debug.enabled || !debug.logRequests) return
  const { method, wireMethod, requestId, body } = call
  const data = { method: wireMethod, url: call.url, timeout: call.timeoutMs }
  if (requestId) data.requestId = requestId
  if (wireMethod !== method) data.spoofed = method
  if (debug.logHeaders) data.headers = Object.fromEntries(call.headers.entries())
  if (debug.logRequestBody && body !== undefined) data.body = body
  s.log(`→ ${method} ${call.endpoint}`, data)
}

function logResponse(s, method, endpoint, result, started) {
  const { debug } = s
  if (!debug.enabled || !debug.logResponses) return
  const data = { status: result.status }
  if (debug.logTiming) data.durationMs = Math.round(elapsedSince(started))
  if (result.attempts > 1) data.attempts = result.attempts
  if (debug.logHeaders && result.headers)
    data.headers = Object.fromEntries(result.headers.entries())
  if (debug.logResponseBody) data.body = result.data
  if (!result.success) data.error = result.message
  s.log(`${result.success ? '✓' : '✗'} ${method} ${endpoint} ${result.status}`, data)
}

module.exports = { createLog, logRequest, logResponse }
