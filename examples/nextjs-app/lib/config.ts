// One place for the app's settings. API_BASE_URL is read at run time (next start), so one build
// works against a backend on any port.
const DEFAULT_API_BASE_URL = 'http://127.0.0.1:4000'
export const API_BASE_URL = process.env.API_BASE_URL || DEFAULT_API_BASE_URL
// Say it once per process when the default is assumed (not only later, as an unreachable URL).
const WARNED = Symbol.for('next-api-layer-native.apiBaseUrlWarned')
if (!process.env.API_BASE_URL && !Reflect.get(globalThis, WARNED)) {
  Reflect.set(globalThis, WARNED, true)
  console.warn(
    `[example] API_BASE_URL is not set: assuming ${DEFAULT_API_BASE_URL} (the demo backend)`,
  )
}
export const LOCALES = ['en', 'fr', 'de'] as const
export type Locale = (typeof LOCALES)[number]
export const DEFAULT_LOCALE: Locale = 'en'
export const USER_COOKIE = 'userToken'
export const GUEST_COOKIE = 'guestToken'
