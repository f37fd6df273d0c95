'use client'
import { useAuth } from 'next-api-layer-native/client'

type DemoUser = { id: number | string; name?: string; type?: string }

export function WhoAmI() {
  const { user, isAuthenticated, isGuest, isLoading } = useAuth<DemoUser>()
  let who = 'client:anonymous'
  if (isLoading) who = 'client:loading'
  else if (isAuthenticated) who = `client:user:${user?.name}`
  else if (isGuest) who = 'client:guest'
  return <p id="client-who">{who}</p>
}
