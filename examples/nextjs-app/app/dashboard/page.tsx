import Link from 'next/link'
import { redirect } from 'next/navigation'
import { currentSession } from '@/lib/server-auth'

export const metadata = { title: 'Dashboard' }

export default async function DashboardPage() {
  const { user, isAuthenticated } = await currentSession()
  // The proxy already sends anonymous visitors to /login; this is only defence in depth.
  if (!isAuthenticated || !user) redirect('/login?returnTo=%2Fdashboard')
  return (
    <div className="card">
      <h1 data-testid="welcome">Welcome, {user.name}</h1>
      <p className="muted">Rendered on the server from the user the auth proxy validated.</p>
      <dl className="user" data-testid="user">
        <dt>ID</dt>
        <dd>{String(user.id)}</dd>
        <dt>Email</dt>
        <dd data-testid="user-email">{user.email}</dd>
        <dt>Role</dt>
        <dd>{user.role}</dd>
        <dt>Token expires</dt>
        <dd data-testid="token-exp">
          {user.exp ? new Date(user.exp * 1000).toISOString().replace('T', ' ').slice(0, 19) : '—'}{' '}
          UTC
        </dd>
      </dl>
      <p>
        <Link href="/profile">Edit your profile</Link> · <Link href="/cart">Your cart</Link>
      </p>
    </div>
  )
}
