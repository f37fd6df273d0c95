import { notFound, redirect } from 'next/navigation'
import { LOCALES, type Locale } from '@/lib/config'
import { currentSession } from '@/lib/server-auth'

const GREETING: Record<Locale, string> = { en: 'Welcome', fr: 'Bienvenue', de: 'Willkommen' }

// /fr/dashboard: the proxy strips the locale prefix before matching its route lists, so this
// page is protected exactly like /dashboard.
export default async function LocalizedDashboard({
  params,
}: {
  params: Promise<{ locale: string }>
}) {
  const { locale } = await params
  if (!(LOCALES as readonly string[]).includes(locale)) notFound()
  const { user, isAuthenticated } = await currentSession()
  if (!isAuthenticated || !user) redirect(`/login?returnTo=%2F${locale}%2Fdashboard`)
  return (
    <div className="card" lang={locale}>
      <h1 data-testid="welcome">
        {GREETING[locale as Locale]}, {user.name}
      </h1>
      <p className="muted">
        Locale <code>{locale}</code>, taken from the URL prefix.
      </p>
    </div>
  )
}
