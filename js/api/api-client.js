// createApiClient: the server-side way to call the backend from route handlers, server
// actions and server components. Policy (token cascade, public endpoints, sanitization) is
// native and built once per client; the JS stages, each in its module, are: options.js
// (with options-check.js) resolves the options once; per request, context.js reads the
// incoming request, request.js builds the URL, headers and body, dedupe.js sends it through
// retry.js and exchange.js (fetch with timeout), decode.js turns the answer into an
// ApiResponse (response.js) with a typed error (status-error.js); debug-log.js logs.

const { createRedactor } = require('./redact')
const { AuthError, ApiError } = require('./errors')
const { resolveOptions } = require('./options')
const { readContext } = require('./context')
const { requestIdFor, buildUrl, buildHeaders, buildBody } = require('./request')
const { send } = require('./dedupe')
const { buildResult } = require('./decode')
const { ApiResponse, failure } = require('./response')
const { logRequest, logResponse } = require('./debug-log')
const { monotonicNow } = require('../shared/clock')

/**
 * Creates the server-side API client. See js/api/api-client.d.ts for every option and default.
 */
function createApiClient(config = {}) {
  const s = resolveOptions(config)

  async function request(method, endpoint, body, options = {}) {
    method = method.toUpperCase()
    const ctx = await readContext(s, options)
    // a monotonic clock, never Date: see shared/clock.js
    const started = monotonicNow()
    const plan = s.core.plan({
      endpoint: String(endpoint),
      refreshedToken: ctx.refreshedToken,
      cookie: ctx.cookie,
      skipAuth: typeof options.skipAuth === 'boolean' ? options.skipAuth : undefined,
    })
    const requestId = requestIdFor(s, options)
    const throwOnError = options.throwOnError ?? s.throwOnErrorDefault
    const done = (result) => {
      if (!result.success && throwOnError && result.error) throw result.error
      return result
    }

    if (plan.auth && !plan.token) {
      s.log(`✗ ${method} ${endpoint} no token`)
      const error = new AuthError('no_token', s.msgs.noToken, { endpoint })
      return done(failure(s, 401, s.msgs.noToken, error, requestId ? { requestId } : {}))
    }

    let url
    try {
      url = buildUrl(s, endpoint, options.params, ctx.locale)
    } catch (e) {
      return done(failure(s, 400, e.message, e))
    }
    const headers = buildHeaders(s, options, plan, requestId)
    const wire = buildBody(s, method, body, options, plan, headers)
    if (wire.invalid) {
      const msg = 'isFormData requires a FormData body'
      return done(failure(s, 400, msg, new ApiError(msg, 'BODY_INVALID', { endpoint })))
    }
    const { wireMethod, wireBody } = wire

    const init = { method: wireMethod, headers, body: wireBody }
    if (options.cache !== undefined) init.cache = options.cache
    if (options.next !== undefined) init.next = options.next
    const timeoutMs = options.timeout ?? s.timeout
    const call = { method, endpoint, wireMethod, url, init, options, timeoutMs, plan, headers }
    logRequest(s, { ...call, requestId, body })

    const settled = await send(s, call)
    const result = buildResult(s, settled, endpoint, requestId)
    logResponse(s, method, endpoint, result, started)
    return done(result)
  }

  // get/delete: (endpoint, options) or, for delete, (endpoint, body, options)
  return {
    request,
    get: (endpoint, options) => request('GET', endpoint, undefined, options),
    post: (endpoint, body, options) => request('POST', endpoint, body, options),
    put: (endpoint, body, options) => request('PUT', endpoint, body, options),
    patch: (endpoint, body, options) => request('PATCH', endpoint, body, options),
    delete: (endpoint, bodyOrOptions, options) =>
      options !== undefined
        ? request('DELETE', endpoint, bodyOrOptions, options)
        : request('DELETE', endpoint, undefined, bodyOrOptions),
  }
}

module.exports = { createApiClient, createRedactor, ApiResponse }
