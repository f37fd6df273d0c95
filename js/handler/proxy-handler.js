// createProxyHandler: the catch-all API proxy for `app/api/[...path]/route.ts`.
//
// One native call per request (ProxyRouter.resolve) decides the backend URL (path safety,
// exact query) and the Authorization header (token cascade, publicEndpoints, x-skip-auth).
// This file only turns the request into facts and the decision into a streaming fetch.
// Bodies stay streams in both directions: nothing here buffers a body unless `sanitize` is on
// (and then only JSON bodies).

const native = require('../shared/native')
const { INTERNAL_HEADERS } = require('../shared/internal-headers')
const { verifiedRefreshedToken } = require('../shared/refreshed-token')
const { isStreamUpload, streamUpload } = require('./stream-upload')
const { declaredLength, readUpTo } = require('./body-framing')
const { resolveHandlerOptions } = require('./options')
const { SAFE_METHODS, OVERRIDE_HEADERS, hasQueryOverride } = require('../shared/method-override')

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/** Hop-by-hop headers (RFC 9110 7.6.1) plus ones fetch or Next.js must set themselves. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'trailers',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
])

/**
 * Never forwarded from the browser to the backend. The backend gets exactly one credential,
 * the Authorization the router chose (or none): never the browser's cookies, nor the cookies
 * the auth proxy set in this request, which Next.js hands the route as request headers
 * (`set-cookie`, `x-middleware-set-cookie`, the rewritten `cookie`).
 */
const REQUEST_BLOCKED = new Set([
  'host',
  'cookie',
  'cookie2',
  'set-cookie',
  'set-cookie2',
  // the layer decides the Authorization header; a client-sent one is never passed on
  'authorization',
  // the body's framing is set per request (./body-framing.js); compression is negotiated anew
  'content-length',
  'accept-encoding',
  'expect',
  // headers the layer uses to talk to itself (the shared list, plus this proxy's own switch)
  ...INTERNAL_HEADERS,
  'x-skip-auth',
  // Next.js internals
  'x-middleware-subrequest',
  'x-middleware-next',
  'x-middleware-rewrite',
  'x-middleware-set-cookie',
  'x-middleware-override-headers',
  'x-invoke-path',
  'x-invoke-query',
  'x-invoke-output',
  'x-matched-path',
  'next-router-state-tree',
  'next-router-prefetch',
  'next-action',
  'rsc',
])

/**
 * Headers that tell a backend who the client is and how it reached us. A client sets them at
 * will, so they are never passed on as sent (`forwardedHeaders`, default 'replace').
 */
const FORWARDING_HEADERS = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-server',
  'x-forwarded-prefix',
  'x-real-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-original-forwarded-for',
]

/**
 * Applies `forwardedHeaders` to the outgoing headers: 'replace' puts what the layer knows (the
 * client address by the rate limiter's trusted-proxy rule, the scheme and host the request
 * reached the app with), 'drop' sends none, 'pass' sends the client's (not recommended).
 */
function applyForwarding(out, request, opts) {
  if (opts.forwarded === 'pass') return out
  for (const name of FORWARDING_HEADERS) out.delete(name)
  if (opts.forwarded === 'drop') return out
  const h = request.headers
  const ip = native.clientAddress(
    opts.trustedProxies,
    h.get('x-forwarded-for') ?? undefined,
    h.get('x-real-ip') ?? undefined,
    typeof request.ip === 'string' && request.ip ? request.ip : undefined,
  )
  if (ip) out.set('x-forwarded-for', ip)
  try {
    const u = new URL(request.url)
    out.set('x-forwarded-proto', u.protocol.replace(/:$/, ''))
    out.set('x-forwarded-host', u.host)
  } catch {}
  return out
}

/** Never passed from the backend's response to the browser (besides hop-by-hop). */
const RESPONSE_BLOCKED = new Set(INTERNAL_HEADERS)

/** Headers that always pass when `forwardHeaders` restricts the set. */
const ALWAYS_FORWARDED = ['accept', 'accept-language', 'content-type']

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304])

/** What a fetch failure was about, for the server log (undici hides it in `cause`). */
function errorDetail(error) {
  return error?.cause?.code || error?.cause?.message || error?.message
}

function jsonResponse(status, body, extraHeaders) {
  const headers = new Headers(extraHeaders)
  headers.set('content-type', 'application/json; charset=utf-8')
  headers.set('cache-control', 'no-store')
  return new Response(JSON.stringify(body), { status, headers })
}

/** Names listed in a `Connection` header are hop-by-hop for that message. */
function connectionListed(headers) {
  const listed = new Set()
  const value = headers.get('connection')
  if (value) {
    for (const name of value.split(',')) {
      const n = name.trim().toLowerCase()
      if (n) listed.add(n)
    }
  }
  return listed
}

function isHopByHop(name, listed) {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-') || listed.has(name)
}

/** Headers that may carry a credential or Next.js's internal state: never sent on. */
function isCredentialOrInternal(name) {
  return REQUEST_BLOCKED.has(name) || name.startsWith('x-middleware-')
}

/**
 * Enforces the one-credential rule on the headers about to be sent (also after a
 * `transformRequest`): no cookie, set-cookie, x-middleware-* or internal header survives;
 * `authorization` is the one the router chose unless the user's transform set its own; on a
 * safe method no method override is sent.
 */
function confineHeaders(headers, method, authorization, keepAuthorization) {
  for (const name of [...headers.keys()]) {
    if (name === 'authorization' && keepAuthorization) continue
    if (name === 'host' || name === 'content-length' || name === 'accept-encoding') continue
    if (isCredentialOrInternal(name)) headers.delete(name)
  }
  if (!keepAuthorization && authorization) headers.set('authorization', authorization)
  if (SAFE_METHODS.has(method)) for (const name of OVERRIDE_HEADERS) headers.delete(name)
  return headers
}

function buildRequestHeaders(incoming, opts, authorization) {
  const out = new Headers()
  const listed = connectionListed(incoming)
  for (const [name, value] of incoming) {
    if (isHopByHop(name, listed) || isCredentialOrInternal(name)) continue
    if (opts.exclude?.includes(name)) continue
    if (opts.forward && !opts.forward.includes(name) && !ALWAYS_FORWARDED.includes(name)) continue
    out.append(name, value)
  }
  if (authorization) out.set('authorization', authorization)
  return out
}

function buildResponseHeaders(backendHeaders, opts) {
  const out = new Headers()
  const listed = connectionListed(backendHeaders)
  // Node's fetch has already decoded a compressed body: the encoding and the length of the
  // compressed bytes no longer describe what we send.
  const decoded = backendHeaders.has('content-encoding')
  for (const [name, value] of backendHeaders) {
    if (isHopByHop(name, listed) || RESPONSE_BLOCKED.has(name)) continue
    if (decoded && (name === 'content-encoding' || name === 'content-length')) continue
    if (name === 'set-cookie') continue
    out.append(name, value)
  }
  if (opts.passSetCookie) {
    for (const c of backendHeaders.getSetCookie()) out.append('set-cookie', c)
  }
  // Server-sent events must not be compressed or buffered on the way (Next.js' own gzip, a
  // reverse proxy in front): mark them no-transform / unbuffered unless the backend said so.
  if (/^text\/event-stream/i.test(out.get('content-type') || '')) {
    const cc = out.get('cache-control')
    if (!cc) out.set('cache-control', 'no-cache, no-transform')
    else if (!/no-transform/i.test(cc)) out.set('cache-control', `${cc}, no-transform`)
    if (!out.has('x-accel-buffering')) out.set('x-accel-buffering', 'no')
  }
  return out
}

/**
 * A backend redirect into the backend itself would send the browser to the backend's (maybe
 * private) URL: point it at the same path under the proxy's mount (`routePrefix`) instead.
 * Redirects elsewhere are left alone.
 */
function rewriteLocation(location, requestUrl, baseUrl, opts) {
  let target
  try {
    target = new URL(location, requestUrl)
  } catch {
    return location
  }
  const base = new URL(`${baseUrl}/`)
  if (target.origin !== base.origin) return location
  const basePath = base.pathname.replace(/\/$/, '')
  if (target.pathname !== basePath && !target.pathname.startsWith(`${basePath}/`)) return location
  const rest = target.pathname.slice(basePath.length)
  return `${opts.routePrefix}${rest}${target.search}${target.hash}`
}

/** The catch-all segments from `context.params` (a Promise in Next 15+, an object before). */
async function catchAllSegments(context, paramName) {
  if (!context || context.params === undefined || context.params === null) return undefined
  const params = await context.params
  if (!params || typeof params !== 'object') return undefined
  if (paramName) {
    const v = params[paramName]
    if (v === undefined) return []
    return Array.isArray(v) ? v.map(String) : [String(v)]
  }
  for (const v of Object.values(params)) {
    if (Array.isArray(v)) return v.map(String)
  }
  return undefined
}

/** The raw query string of a request URL, byte for byte (`?` included, '' when none). */
function rawQuery(url) {
  const q = url.indexOf('?')
  if (q < 0) return ''
  const h = url.indexOf('#', q)
  return h < 0 ? url.slice(q) : url.slice(q, h)
}

function rawPathBelow(url, prefix) {
  const pathname = new URL(url).pathname
  if (prefix && (pathname === prefix || pathname.startsWith(`${prefix}/`))) {
    return pathname.slice(prefix.length)
  }
  return pathname
}

async function sanitizeJsonResponse(response, sanitizer) {
  const type = response.headers.get('content-type') || ''
  if (!/\bjson\b/i.test(type) || response.body === null) return response
  let text
  try {
    text = await response.text()
  } catch (error) {
    // the backend dropped the connection mid-body: nothing whole to sanitize or pass on
    console.error(`[next-api-layer-native] proxy response body failed: ${errorDetail(error)}`)
    return jsonResponse(502, { success: false, message: 'The backend service is unavailable.' })
  }
  let clean
  try {
    clean = sanitizer.sanitizeJson(text)
  } catch {
    clean = text // not JSON after all: pass it on unchanged
  }
  const headers = new Headers(response.headers)
  headers.delete('content-length')
  return new Response(clean, { status: response.status, statusText: response.statusText, headers })
}

/**
 * The request as it goes to the backend: headers confined to the one credential the router
 * chose, the client's body framing kept (or a chunked body buffered up to
 * `bufferChunkedBodiesUpTo`), then the user's transformRequest. `{ init, length }` (`length`:
 * the declared length still true of the body, else null), or `{ response }` (413).
 */
async function outgoingRequest(request, route, method, opts) {
  const original = route.hasBody && request.body ? request.body : undefined
  let init = {
    method,
    headers: confineHeaders(
      applyForwarding(
        buildRequestHeaders(request.headers, opts, route.authorization),
        request,
        opts,
      ),
      method,
      route.authorization,
      false,
    ),
    body: original,
  }
  // The framing the client sent: a known length is kept (and the body still streamed).
  let length = original ? declaredLength(request.headers) : null
  if (original && length === null && opts.bufferChunkedUpTo > 0) {
    init.body = await readUpTo(original, opts.bufferChunkedUpTo)
    if (init.body === null) {
      return {
        response: jsonResponse(413, {
          success: false,
          message: 'The request body is too large.',
          code: 'BODY_TOO_LARGE',
        }),
      }
    }
  }
  if (opts.transformRequest) {
    const changed = await opts.transformRequest(
      { ...init, url: route.url, path: route.path },
      request,
    )
    if (changed && typeof changed === 'object') {
      const headers = new Headers(changed.headers ?? init.headers)
      const userAuthorization = headers.get('authorization')
      init = {
        method: changed.method ? String(changed.method).toUpperCase() : init.method,
        // the transform may add headers, but a copy of the browser's cookies still never
        // leaves; an authorization it set differently from ours is its own decision
        headers: confineHeaders(
          headers,
          changed.method ? String(changed.method).toUpperCase() : init.method,
          route.authorization,
          userAuthorization !== null && userAuthorization !== route.authorization,
        ),
        body: changed.body === undefined ? init.body : changed.body,
      }
      // fetch refuses a body on GET/HEAD
      if (init.method === 'GET' || init.method === 'HEAD') init.body = undefined
    }
  }
  // A replaced body is framed by what it is now (fetch measures strings and buffers).
  if (init.body !== original) length = null
  return { init, length }
}

/** Sends it to the backend. `{ backend }` (the response head), or `{ response }` (502/504). */
async function sendToBackend(request, route, method, outgoing, timeout, opts) {
  const { init, length } = outgoing
  // The timeout covers the wait for the response head only: a long download or an SSE
  // stream may run as long as the browser keeps reading.
  const timer = new AbortController()
  const timeoutId = setTimeout(() => timer.abort(new Error('timeout')), timeout)
  const signals = [timer.signal]
  if (request.signal) signals.push(request.signal)
  const signal = signals.length > 1 ? AbortSignal.any(signals) : timer.signal

  let backend
  try {
    // Streamed uploads go through node:http: Node 20's fetch reads a stream body ahead of the
    // socket (a 256 MB upload held in memory); see ./stream-upload.js.
    const send = isStreamUpload(init.method, init.body, route.url, length) ? streamUpload : fetch
    if (send === streamUpload && length !== null) init.headers.set('content-length', `${length}`)
    backend = await send(route.url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      duplex: init.body ? 'half' : undefined,
      redirect: 'manual',
      cache: 'no-store',
      signal,
    })
  } catch (error) {
    clearTimeout(timeoutId)
    const timedOut = timer.signal.aborted
    const status = timedOut ? 504 : 502
    console.error(
      `[next-api-layer-native] proxy ${method} ${route.path || '/'} failed: ${
        timedOut ? `no response within ${timeout} ms` : errorDetail(error)
      }`,
    )
    if (opts.onError) {
      try {
        opts.onError(error, { status, path: route.path, method })
      } catch {}
    }
    return {
      response: jsonResponse(status, {
        success: false,
        message: timedOut
          ? 'The backend did not respond in time.'
          : 'The backend service is unavailable.',
      }),
    }
  }
  clearTimeout(timeoutId)
  return { backend }
}

/**
 * The browser's response: the backend's headers filtered, a Location into the backend rewritten
 * under the mount, JSON sanitized when `sanitize` is on, then the user's transformResponse.
 */
async function browserResponse(backend, request, route, method, baseUrl, sanitizer, opts) {
  const headers = buildResponseHeaders(backend.headers, opts)
  const location = headers.get('location')
  if (location) headers.set('location', rewriteLocation(location, route.url, baseUrl, opts))
  const body = method === 'HEAD' || NULL_BODY_STATUS.has(backend.status) ? null : backend.body
  let response = new Response(body, {
    status: backend.status,
    statusText: backend.statusText,
    headers,
  })
  if (sanitizer && body !== null) response = await sanitizeJsonResponse(response, sanitizer)
  if (opts.transformResponse) {
    const changed = await opts.transformResponse(response, {
      request,
      path: route.path,
      url: route.url,
    })
    if (changed instanceof Response) response = changed
  }
  return response
}

/**
 * @param {import('./proxy-handler').ProxyHandlerConfig} config
 * @returns {import('./proxy-handler').ProxyHandler}
 */
function createProxyHandler(config = {}) {
  const { opts, timeout, sanitizer, router } = resolveHandlerOptions(config)
  const baseUrl = router.baseUrl

  async function handler(request, context) {
    const method = String(request.method || 'GET').toUpperCase()
    const url = request.url
    const segments = await catchAllSegments(context, opts.paramName)
    const route = router.resolve({
      segments,
      rawPath: segments === undefined ? rawPathBelow(url, opts.routePrefix) : undefined,
      query: rawQuery(url),
      method,
      cookie: request.headers.get('cookie') ?? undefined,
      refreshedToken: verifiedRefreshedToken(request.headers),
      skipAuth: request.headers.get('x-skip-auth') ?? undefined,
    })
    if (!route.ok) {
      return jsonResponse(route.status, {
        success: false,
        message: route.message,
        code: route.code,
      })
    }
    if (SAFE_METHODS.has(method) && hasQueryOverride(rawQuery(url))) {
      // a GET the CSRF check let through as safe must not become a write behind it
      return jsonResponse(400, {
        success: false,
        message: `A method override is not allowed on ${method}.`,
        code: 'ERR_METHOD_OVERRIDE',
      })
    }

    const outgoing = await outgoingRequest(request, route, method, opts)
    if (outgoing.response) return outgoing.response
    const sent = await sendToBackend(request, route, method, outgoing, timeout, opts)
    if (sent.response) return sent.response
    return browserResponse(sent.backend, request, route, method, baseUrl, sanitizer, opts)
  }

  for (const m of METHODS) handler[m] = handler
  handler.handler = handler
  handler.baseUrl = router.baseUrl
  return handler
}

module.exports = {
  createProxyHandler,
  PROXY_METHODS: METHODS,
  // exported for tests and for other adapters of this package
  buildRequestHeaders,
  buildResponseHeaders,
}
