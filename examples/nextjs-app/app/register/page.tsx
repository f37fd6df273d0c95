import { RegisterForm } from './register-form'

export const metadata = { title: 'Register' }

export default function RegisterPage() {
  return (
    <div className="card">
      <h1>Create an account</h1>
      <RegisterForm />
    </div>
  )
}
