// Sending for createApiClient, with dedupe: identical requests in flight at the same time
// share one exchange (retries included) and one decoded result; each caller still gets its
// own ApiResponse.

const { sendWithRetry } = require('./retry')
const { settle } = require('./decode')

/** `call`: `{ method, endpoint, wireMethod, url, init, options, timeoutMs, plan, headers }`. */
async function send(s, call) {
  const { method, endpoint, wireMethod, url, init, options, timeoutMs, plan } = call
  const exchangeAndSettle = () =>
    sendWithRetry(s, wireMethod, method, url, init, options, endpoint, timeoutMs).then((raw) =>
      settle(s, raw, plan, options, endpoint),
    )
  const shouldDedupe =
    s.dedupe.enabled &&
    options.dedupe !== false &&
    s.dedupe.methods.includes(method) &&
    init.body === undefined
  if (!shouldDedupe) return exchangeAndSettle()
  // the token is part of the key: two users never share a response
  const key = JSON.stringify([
    wireMethod,
    url,
    plan.token ?? '',
    Boolean(plan.sanitize && !options.skipSanitize),
    options.skipSanitizeFields ?? [],
    [...call.headers.entries()].filter(([k]) => k !== s.reqId.headerName.toLowerCase()),
  ])
  let p = s.inFlight.get(key)
  if (p) {
    s.log(`⟳ ${method} ${endpoint} joined an in-flight request`)
  } else {
    p = exchangeAndSettle()
    s.inFlight.set(key, p)
    p.finally(() => s.inFlight.delete(key)).catch(() => {})
  }
  return p
}

module.exports = { send }
