// A protected page (proxy.ts protects /dashboard): the user read on the server.
import { getServerUser } from 'next-api-layer-native/server'
import { Who } from './who'

export default async function DashboardPage() {
  const { user } = await getServerUser<{ name: string }>()
  return (
    <main>
      <h1 data-testid="welcome">Welcome, {user?.name}</h1>
      <Who />
    </main>
  )
}
