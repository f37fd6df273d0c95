import { createApiClient } from 'next-api-layer-native'
import { API_BASE_URL, GUEST_COOKIE, USER_COOKIE } from './config'

// Server-side client for server components, route handlers and server actions: the token comes
// from the proxy's refreshed header or the cookies, and every string in the JSON answer is
// sanitized natively (ammonia) before a page can render it. 'allowList' keeps harmless rich-text
// markup (the posts page renders it as HTML) and drops scripts, event handlers and js: URLs.
export const apiClient = createApiClient({
  apiBaseUrl: API_BASE_URL,
  cookies: { user: USER_COOKIE, guest: GUEST_COOKIE },
  auth: { publicEndpoints: ['posts', 'posts/*', 'products'] },
  sanitization: { enabled: true, mode: 'allowList' },
})
