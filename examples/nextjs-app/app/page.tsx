import Link from 'next/link'
import { currentSession } from '@/lib/server-auth'

export default async function HomePage() {
  const { user, isAuthenticated, isGuest } = await currentSession()
  return (
    <>
      <div className="card">
        <h1>next-api-layer-native demo</h1>
        <p>
          A Next.js 16 app in front of an external JWT backend. Tokens live in <code>httpOnly</code>{' '}
          cookies; a native (Rust) engine validates, caches and refreshes them in{' '}
          <code>proxy.ts</code>.
        </p>
        <p data-testid="session">
          {isAuthenticated && user ? (
            <>
              Signed in as <strong>{user.name}</strong>.
            </>
          ) : isGuest ? (
            <>
              Browsing as a <strong>guest</strong>.
            </>
          ) : (
            <>Not signed in.</>
          )}
        </p>
      </div>
      <div className="card">
        <h2>Try it</h2>
        <ul>
          <li>
            <Link href="/dashboard">Dashboard</Link> — protected: redirects to the login page first
          </li>
          <li>
            <Link href="/posts">Posts</Link> — backend HTML, sanitized natively
          </li>
          <li>
            <Link href="/cart">Cart</Link> — works for guests
          </li>
          <li>
            <Link href="/events">Live events</Link> — server-sent events through the proxy
          </li>
          <li>
            <Link href="/fr/dashboard">/fr/dashboard</Link> — a locale-prefixed protected route
          </li>
          <li>
            <Link href="/register">Register</Link> · <Link href="/login">Log in</Link>
          </li>
        </ul>
      </div>
    </>
  )
}
