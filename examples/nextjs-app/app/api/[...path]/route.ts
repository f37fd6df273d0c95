import { createProxyHandler } from 'next-api-layer-native'
import { API_BASE_URL, GUEST_COOKIE, USER_COOKIE } from '@/lib/config'

// The browser's door to the backend: /api/<anything> -> API_BASE_URL/<anything>, with the token
// from the httpOnly cookies added on the server and bodies streamed both ways (SSE, downloads).
const proxy = createProxyHandler({
  apiBaseUrl: API_BASE_URL,
  userCookieName: USER_COOKIE,
  guestCookieName: GUEST_COOKIE,
  publicEndpoints: ['/posts', '/posts/*', '/products', '/events'],
})

type Context = { params: Promise<{ path: string[] }> }
const handle = (request: Request, context: Context) => proxy(request, context)

export {
  handle as GET,
  handle as POST,
  handle as PUT,
  handle as PATCH,
  handle as DELETE,
  handle as HEAD,
  handle as OPTIONS,
}
