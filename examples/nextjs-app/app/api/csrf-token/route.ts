import { getCsrfToken } from 'next-api-layer-native/server'

// The current session's CSRF token, read on the server (as a server-rendered form would embed
// it). On a first visit the proxy issues the cookie and makes it visible to this same request.
export async function GET() {
  return Response.json({ success: true, data: { token: await getCsrfToken() } })
}
