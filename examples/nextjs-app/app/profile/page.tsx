import { redirect } from 'next/navigation'
import { currentSession } from '@/lib/server-auth'
import { ProfileForm } from './profile-form'

export const metadata = { title: 'Profile' }

export default async function ProfilePage() {
  const { user, isAuthenticated } = await currentSession()
  if (!isAuthenticated || !user) redirect('/login?returnTo=%2Fprofile')
  return (
    <div className="card">
      <h1>Profile</h1>
      <p className="muted">
        Saved with <code>PUT /api/profile</code> through the catch-all proxy, which adds the token
        from the httpOnly cookie and checks the CSRF token.
      </p>
      <ProfileForm initialName={user.name ?? ''} />
    </div>
  )
}
