import { getServerUser } from 'next-api-layer-native/server'

export const dynamic = 'force-dynamic'

type DemoUser = { id: number | string; name?: string; email?: string; type: string }

export default async function Home() {
  const { user, isAuthenticated, isGuest } = await getServerUser<DemoUser>({
    userCookie: 'userToken',
    guestCookie: 'guestToken',
    apiBaseUrl: process.env.API_BASE_URL,
  })
  let who = 'anonymous'
  if (isAuthenticated) who = `user:${user?.name}`
  else if (isGuest) who = 'guest'
  return (
    <main>
      <h1>Next.js 15.5 fixture</h1>
      <p id="who">{who}</p>
    </main>
  )
}
