// Next.js 15.5: middleware.ts on the Node.js runtime (stable since 15.5). The native addon
// cannot load in the Edge runtime, so `runtime: 'nodejs'` is required here. Next.js 16 apps
// use proxy.ts instead (see examples/nextjs-app).
import { createAuthProxy } from 'next-api-layer-native'

const authProxy = createAuthProxy({
  apiBaseUrl: process.env.API_BASE_URL ?? 'http://127.0.0.1:4000',
  cookies: { user: 'userToken', guest: 'guestToken' },
  guestToken: {
    enabled: true,
    credentials: { username: 'guest', password: 'guest-secret' },
  },
  access: {
    protectedRoutes: ['/dashboard', '/dashboard/**'],
    authRoutes: ['/login'],
  },
})

export default authProxy

export const config = {
  runtime: 'nodejs',
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
}
