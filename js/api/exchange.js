// One HTTP exchange with the backend for createApiClient: fetch with the request's timeout,
// and the body read in full by its content type (so a retry or a deduped waiter never shares a
// half-read stream). It never throws for HTTP or network trouble: a timeout or a failed fetch
// comes back as `{ ok: false, error }`.

const { TimeoutError, NetworkError } = require('./errors')

function isJsonType(ct) {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(ct) || /\+json\b/i.test(ct)
}

function isTextType(ct) {
  return /^text\//i.test(ct) || /^application\/(?:xml|javascript|x-www-form-urlencoded)\b/i.test(ct)
}

async function exchange(s, url, init, timeoutMs, endpoint) {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, timeoutMs)
  try {
    const res = await fetch(url, { ...init, signal: controller.signal })
    const contentType = res.headers.get('content-type') || ''
    let kind
    let payload
    if (res.status === 204 || res.status === 205 || res.status === 304 || init.method === 'HEAD') {
      kind = 'empty'
      await res.body?.cancel()
    } else if (isJsonType(contentType)) {
      kind = 'json'
      payload = await res.text()
    } else if (isTextType(contentType) || !res.body) {
      kind = 'text'
      payload = await res.text()
    } else {
      kind = 'binary'
      payload = Buffer.from(await res.arrayBuffer())
    }
    if (kind === 'text' && payload === '') kind = 'empty'
    return { ok: true, status: res.status, headers: res.headers, kind, payload }
  } catch (cause) {
    if (timedOut)
      return {
        ok: false,
        timeout: true,
        error: new TimeoutError(endpoint, timeoutMs, s.msgs.timeout),
      }
    return {
      ok: false,
      error: new NetworkError(endpoint, { message: s.msgs.connectionError, cause }),
    }
  } finally {
    clearTimeout(timer)
  }
}

module.exports = { exchange }
