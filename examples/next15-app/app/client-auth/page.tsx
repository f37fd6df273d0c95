// A server component rendering the client entry (AuthProvider + useAuth) with the server's user
// as initialUser: server-rendered by Next.js with the package externalized.
import { getServerUser } from 'next-api-layer-native/server'
import { AuthProvider } from './providers'
import { WhoAmI } from './who-am-i'

export const dynamic = 'force-dynamic'

type DemoUser = { id: number | string; name?: string; type?: string }

export default async function ClientAuthPage() {
  const { user } = await getServerUser<DemoUser>({
    userCookie: 'userToken',
    guestCookie: 'guestToken',
    apiBaseUrl: process.env.API_BASE_URL,
  })
  return (
    <AuthProvider<DemoUser> initialUser={user}>
      <WhoAmI />
    </AuthProvider>
  )
}
