import { Suspense } from 'react'
import { LoginForm } from './login-form'

export const metadata = { title: 'Log in' }

export default function LoginPage() {
  return (
    <div className="card">
      <h1>Log in</h1>
      <p className="muted">
        Demo accounts: <code>demo@example.com</code> / <code>password</code> (admin),{' '}
        <code>jane@example.com</code> / <code>password</code>.
      </p>
      <Suspense>
        <LoginForm />
      </Suspense>
    </div>
  )
}
