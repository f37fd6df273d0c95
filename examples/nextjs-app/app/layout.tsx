import type { Metadata } from 'next'
import Link from 'next/link'
import type { AuthUser } from 'next-api-layer-native/client'
import { type ReactNode, Suspense } from 'react'
import { AuthStatus } from '@/components/auth-status'
import { LogoutButton } from '@/components/logout-button'
import { currentSession } from '@/lib/server-auth'
import { AuthProvider } from './providers'
import './globals.css'

export const metadata: Metadata = {
  title: { default: 'next-api-layer-native demo', template: '%s · next-api-layer-native demo' },
}

// The user is request data (the visitor's cookies). With Cache Components (this app's default, as
// create-next-app makes Next.js 16 apps) it is read inside <Suspense>: the shell is prerendered
// and the session streams in. Without Cache Components the same tree renders per request.
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <Session>{children}</Session>
        </Suspense>
      </body>
    </html>
  )
}

async function Session({ children }: { children: ReactNode }) {
  const { user, isAuthenticated, isGuest } = await currentSession()
  return (
    <>
      {/* The server already knows the user: the first paint needs no client fetch. */}
      <AuthProvider initialUser={user as AuthUser | null}>
        <header className="site">
          <nav>
            <Link href="/" className="brand">
              next-api-layer-native
            </Link>
            <Link href="/dashboard">Dashboard</Link>
            <Link href="/posts">Posts</Link>
            <Link href="/cart">Cart</Link>
            <Link href="/events">Events</Link>
            {isAuthenticated && user ? (
              <>
                <Link href="/profile">Profile</Link>
                <span className="who" data-testid="nav-user">
                  {user.name}
                </span>
                <LogoutButton />
              </>
            ) : (
              <>
                <span className="who" data-testid="nav-user">
                  {isGuest ? 'guest' : 'anonymous'}
                </span>
                <Link href="/login">Log in</Link>
                <Link href="/register">Register</Link>
              </>
            )}
            <AuthStatus />
          </nav>
        </header>
        <main>{children}</main>
      </AuthProvider>
    </>
  )
}
