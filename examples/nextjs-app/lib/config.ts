// One place for the app's settings. API_BASE_URL is read at run time (next start), so one build
// works against a backend on any port.
export const API_BASE_URL = process.env.API_BASE_URL ?? 'http://127.0.0.1:4000'
export const LOCALES = ['en', 'fr', 'de'] as const
export type Locale = (typeof LOCALES)[number]
export const DEFAULT_LOCALE: Locale = 'en'
export const USER_COOKIE = 'userToken'
export const GUEST_COOKIE = 'guestToken'
