/**
 * The catch-all API proxy for `app/api/[...path]/route.ts`.
 *
 * ```ts
 * // app/api/[...path]/route.ts
 * import { createProxyHandler } from 'next-api-layer-native'
 *
 * export const { GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS } = createProxyHandler({
 *   apiBaseUrl: process.env.API_BASE_URL!,
 *   publicEndpoints: ['/posts', '/posts/*'],
 * })
 * ```
 *
 * What it does for every request (one native call decides, then a streaming `fetch`):
 * - **Path safety**: the forwarded path never leaves `apiBaseUrl`. `..`/`.` segments (also as
 *   `%2e`, any case, double-encoded), `%2f`/`%5c`/`\`, empty segments (`//host`), a first
 *   segment that looks like a URL scheme (`http:`, `javascript:`), control characters/NUL:
 *   `400 { success: false, message, code: 'ERR_PATH_…' }`, and the backend is not called.
 * - **Query** forwarded byte for byte as the handler receives it (repeated keys, order,
 *   encodings, `+`). Note: under `next start` Next.js itself re-serializes the query before a
 *   route handler sees it (`%20` arrives as `+`, a bare `flag` as `flag=`); keys, values,
 *   repetition and order survive.
 * - **Token**: from the cascade (`x-refreshed-token` set by `createAuthProxy`, then the user
 *   cookie, then the guest cookie) as `Authorization: Bearer …`. A client-sent `Authorization`
 *   header is never forwarded.
 * - **Auth rules**: endpoints not in `publicEndpoints` always get the token (the client cannot
 *   strip it with `x-skip-auth`). Public endpoints get the token too unless the client sends
 *   `x-skip-auth: true`, or `skipAuthByDefault` is on (then they never get it, and the client
 *   cannot add it).
 * - **Streams** both ways: request bodies are passed as a stream (`duplex: 'half'`) with the
 *   client's framing (a known `Content-Length` is kept, chunked stays chunked; see
 *   `bufferChunkedBodiesUpTo`), the response body is the backend's stream (downloads keep memory
 *   flat; SSE arrives event by event).
 * - **Headers**: hop-by-hop headers (`connection` and the names it lists, `keep-alive`,
 *   `transfer-encoding`, `upgrade`, `te`, `trailer`, `proxy-*`), `host`, `cookie`,
 *   `authorization`, `accept-encoding`, `expect` and the layer's internal
 *   headers (`x-auth-user`, `x-refreshed-token`, `x-locale`, `x-skip-auth`, Next.js internals) are
 *   not forwarded. From the response, hop-by-hop headers and the backend's `set-cookie` are
 *   dropped (the browser's cookies belong to the Next.js app; see `passSetCookie`); a
 *   compressed response is decoded by `fetch`, so `content-encoding`/`content-length` are dropped
 *   with it. Server-sent events get `cache-control: no-transform` and `x-accel-buffering: no` when
 *   the backend did not say so, so no compression or proxy buffering holds events back.
 * - **Redirects** are not followed; a `Location` pointing inside `apiBaseUrl` is rewritten to
 *   the same path under `routePrefix` (the backend's URL is not shown to the browser); other
 *   locations pass unchanged.
 * - **Errors**: backend unreachable → `502 { success: false, message: 'The backend service is
 *   unavailable.' }`; no response head within `timeout` → `504`. Details go to `console.error`
 *   only. The backend's own statuses and bodies pass through unchanged.
 */

import type { SanitizationConfig } from '../api/sanitize'

/** What `transformRequest` receives (and may return changed). */
export interface ProxyRequestInit {
  /** The backend URL (already checked; changing it has no effect). */
  readonly url: string
  /** The forwarded path relative to `apiBaseUrl`, e.g. `/posts/1`. */
  readonly path: string
  method: string
  headers: Headers
  /** The request body stream (undefined for GET/HEAD). */
  body?: BodyInit | null
}

export interface ProxyResponseInfo {
  request: Request
  /** The forwarded path relative to `apiBaseUrl`. */
  path: string
  /** The backend URL that was called. */
  url: string
}

export interface ProxyHandlerConfig {
  /**
   * The backend base URL, e.g. `https://api.example.com/v1`. Required (falls back to the
   * `API_BASE_URL`, then `BACKEND_API_URL` environment variable). Absolute http(s), no query,
   * no fragment, no credentials.
   */
  apiBaseUrl?: string
  /** The user token cookie. Default `'userToken'`. */
  userCookieName?: string
  /** The guest token cookie. Default `'guestToken'`. */
  guestCookieName?: string
  /**
   * Never send a token to `publicEndpoints` (and ignore `x-skip-auth` there, so a client cannot
   * add one either). Default `false`.
   */
  skipAuthByDefault?: boolean
  /**
   * Backend paths (relative to `apiBaseUrl`, starting with `/`) that work without a token.
   * Globs: `*` = one segment, `**` = any depth (`/posts/**` also matches `/posts`). Default `[]`.
   */
  publicEndpoints?: string[]
  /**
   * When set, ONLY these browser headers (case-insensitive) are forwarded, plus `accept`,
   * `accept-language` and `content-type`. Default: every header that is not blocked.
   */
  forwardHeaders?: string[]
  /** Browser headers never to forward (on top of the always-blocked ones). Default `[]`. */
  excludeHeaders?: string[]
  /**
   * Called before the backend request; may change `method`, `headers`, `body` and return the
   * object (or a new one). The URL cannot be changed here.
   */
  transformRequest?: (
    init: ProxyRequestInit,
    request: Request,
  ) => ProxyRequestInit | undefined | Promise<ProxyRequestInit | undefined>
  /** Called with the response about to be returned; return a Response to replace it. */
  transformResponse?: (
    response: Response,
    info: ProxyResponseInfo,
  ) => Response | undefined | Promise<Response | undefined>
  /**
   * Milliseconds to wait for the backend's response head (status + headers). A body that is
   * still streaming (download, SSE) is not cut off. Default `30000`.
   */
  timeout?: number
  /**
   * Sanitize JSON responses (HTML in string values) with the native sanitizer. `true` or the
   * sanitizer's options (`skipEndpoints` is the api client's; here leave such paths out of the
   * handler instead). Such responses are buffered (only JSON ones). Default `false`.
   */
  sanitize?: boolean | Omit<SanitizationConfig, 'skipEndpoints'>
  /**
   * Append `/` to every forwarded path (`/api/posts/3` → `<apiBaseUrl>/posts/3/`), for backends
   * that route on it (Django's APPEND_SLASH). Default `false`.
   */
  trailingSlash?: boolean
  /** Pass the backend's `Set-Cookie` headers to the browser. Default `false`. */
  passSetCookie?: boolean
  /**
   * Request bodies keep the client's framing: a body with a known `Content-Length` is forwarded
   * with it (still streamed), a chunked one stays chunked. Some backends read a chunked body as
   * empty (WSGI servers such as gunicorn, many PHP-FPM, Java and .NET hosts): with this set, a
   * chunked body of up to this many bytes is read first and sent with its length, and a longer
   * one gets `413` JSON (`code: 'BODY_TOO_LARGE'`) without reaching the backend. Bytes; default
   * `0` (off: chunked stays chunked). Browsers send a length for every `fetch` body but a stream.
   */
  bufferChunkedBodiesUpTo?: number | false
  /**
   * Client-sent forwarding headers (`X-Forwarded-For`, `X-Real-IP`, `Forwarded`,
   * `X-Forwarded-Host/Proto`...) are never passed on as sent. `'replace'` (default): the
   * backend gets `X-Forwarded-For` with the client address by the `trustedProxies` rule (when
   * known) and `X-Forwarded-Proto/Host` of the request; `'drop'`: none; `'pass'`: the client's.
   */
  forwardedHeaders?: 'replace' | 'drop' | 'pass'
  /**
   * Reverse proxies in front of the app, as in `rateLimit.trustedProxies`: the client address
   * is the n-th `X-Forwarded-For` entry from the right. Default `0` (no client address).
   */
  trustedProxies?: number
  /**
   * The catch-all parameter's name (`[...path]` → `'path'`). Default: the first array-valued
   * param.
   */
  paramName?: string
  /**
   * Where the handler is mounted; used only when Next.js gives no params (the raw URL path
   * below it is forwarded, with the same checks). Default `'/api'`.
   */
  routePrefix?: string
  /** Called when the backend cannot be reached or times out (status 502/504). */
  onError?: (error: unknown, info: { status: number; path: string; method: string }) => void
}

/** A Next.js route handler (App Router). `context.params` may be a Promise (Next 15+). */
export type RouteHandler = (request: Request, context?: { params?: unknown }) => Promise<Response>

/** One handler for every method, with the per-method names as properties. */
export interface ProxyHandler extends RouteHandler {
  GET: RouteHandler
  HEAD: RouteHandler
  POST: RouteHandler
  PUT: RouteHandler
  PATCH: RouteHandler
  DELETE: RouteHandler
  OPTIONS: RouteHandler
  handler: RouteHandler
  /** The validated `apiBaseUrl` without a trailing slash. */
  readonly baseUrl: string
}

/** Creates the catch-all proxy. Throws `code: 'ERR_CONFIG_INVALID'` on bad config. */
export declare function createProxyHandler(config?: ProxyHandlerConfig): ProxyHandler

/** The methods the handler serves. */
export declare const PROXY_METHODS: readonly string[]
