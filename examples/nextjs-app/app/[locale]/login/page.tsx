import { notFound } from 'next/navigation'
import { LOCALES } from '@/lib/config'
import LoginPage from '../../login/page'

export const metadata = { title: 'Log in' }

// /fr/login: the proxy keeps the locale prefix when it sends a visitor of /fr/dashboard to the
// login page (and Next.js prefetches that redirect from every link to /fr/dashboard).
export default async function LocalizedLogin({ params }: { params: Promise<{ locale: string }> }) {
  const { locale } = await params
  if (!(LOCALES as readonly string[]).includes(locale)) notFound()
  return <LoginPage />
}
