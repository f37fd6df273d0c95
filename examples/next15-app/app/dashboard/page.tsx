import { getServerUser } from 'next-api-layer-native/server'

export const dynamic = 'force-dynamic'

type DemoUser = { id: number; name: string; email: string; role: string }

export default async function Dashboard() {
  const { user, isAuthenticated } = await getServerUser<DemoUser>({
    userCookie: 'userToken',
    guestCookie: 'guestToken',
    apiBaseUrl: process.env.API_BASE_URL,
  })
  return (
    <main>
      <h1>Dashboard</h1>
      <p id="user">{isAuthenticated && user ? `Signed in as ${user.name}` : 'not signed in'}</p>
    </main>
  )
}
