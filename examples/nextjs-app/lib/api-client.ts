import { createApiClient } from 'next-api-layer-native'
import { API_BASE_URL, GUEST_COOKIE, USER_COOKIE } from './config'

// Server-side client for server components, route handlers and server actions: token from the
// proxy's refreshed header or the cookies, responses sanitized natively (ammonia).
export const apiClient = createApiClient({
  apiBaseUrl: API_BASE_URL,
  userCookieName: USER_COOKIE,
  guestCookieName: GUEST_COOKIE,
  publicEndpoints: ['posts', 'posts/*', 'products'],
})
