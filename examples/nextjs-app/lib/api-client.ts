import { createApiClient } from 'next-api-layer-native'
import { API_BASE_URL, GUEST_COOKIE, USER_COOKIE } from './config'

// Server-side client for server components, route handlers and server actions: the token comes
// from the proxy's refreshed header or the cookies, and every string in the JSON answer is
// sanitized natively (ammonia) before a page can render it. Default 'strip' mode: markup is
// dropped, the text is kept (for pages that render text; React escapes it).
const common = {
  apiBaseUrl: API_BASE_URL,
  cookies: { user: USER_COOKIE, guest: GUEST_COOKIE },
  auth: { publicEndpoints: ['posts', 'posts/*', 'products'] },
}

export const apiClient = createApiClient({ ...common, sanitization: { enabled: true } })

// For pages that render backend HTML as HTML (the posts page): 'allowList' keeps harmless
// rich-text markup and drops scripts, event handlers and javascript: URLs.
export const richTextApiClient = createApiClient({
  ...common,
  sanitization: { enabled: true, mode: 'allowList' },
})
