// createProxyHandler: every option, and the wrong ones rejected.

import type { ProxyHandler, ProxyHandlerConfig, RouteHandler } from 'next-api-layer-native'
import { createProxyHandler, PROXY_METHODS } from 'next-api-layer-native'

const full: ProxyHandlerConfig = {
  apiBaseUrl: 'https://api.example.com/v1',
  userCookieName: 'userToken',
  guestCookieName: 'guestToken',
  skipAuthByDefault: false,
  publicEndpoints: ['/posts', '/posts/**'],
  forwardHeaders: ['x-request-id'],
  excludeHeaders: ['x-debug'],
  transformRequest: (init, request) => {
    init.headers.set('x-from', new URL(request.url).pathname)
    const path: string = init.path
    void path
    return init
  },
  transformResponse: async (response, info) => {
    const url: string = info.url
    void url
    return response.status === 204 ? undefined : response
  },
  timeout: 30_000,
  sanitize: true,
  passSetCookie: false,
  bufferChunkedBodiesUpTo: 1024 * 1024,
  trailingSlash: false,
  paramName: 'path',
  routePrefix: '/api',
  onError: (error, info) => {
    const status: number = info.status
    void error
    void status
  },
}

const handler: ProxyHandler = createProxyHandler(full)
export const { GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS } = handler
const route: RouteHandler = handler.handler
const base: string = handler.baseUrl
const methods: readonly string[] = PROXY_METHODS
void route
void base
void methods
createProxyHandler()

async function call(): Promise<Response> {
  return GET(new Request('http://localhost/api/posts'), {
    params: Promise.resolve({ path: ['posts'] }),
  })
}
void call

// @ts-expect-error apiBaseUrl is a string
createProxyHandler({ apiBaseUrl: new URL('https://api.example.com') })
// @ts-expect-error publicEndpoints is a list of globs
createProxyHandler({ publicEndpoints: '/posts' })
// @ts-expect-error timeout is in milliseconds (a number)
createProxyHandler({ timeout: '30s' })
// @ts-expect-error unknown option
createProxyHandler({ apiBaseURL: 'https://api.example.com' })
// @ts-expect-error the handler is read-only metadata
handler.baseUrl = 'x'
createProxyHandler({ forwardedHeaders: 'replace', trustedProxies: 1 })
createProxyHandler({ forwardedHeaders: 'drop' })
// @ts-expect-error forwardedHeaders is 'replace' | 'drop' | 'pass'
createProxyHandler({ forwardedHeaders: 'keep' })
