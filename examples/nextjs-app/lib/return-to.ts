// The proxy sends people to /login with the page they wanted as a query parameter. The package's
// return-to rule (the one the auth proxy applies) decides whether it is followed: resolved against
// this origin with the URL parser, same origin only, never a path starting with // or /\.
import {
  returnToFrom as packageReturnToFrom,
  safeReturnTo as packageSafeReturnTo,
} from 'next-api-layer-native/client'

export { RETURN_PARAMS } from 'next-api-layer-native/client'

export function safeReturnTo(value: string | null | undefined, fallback = '/dashboard'): string {
  return packageSafeReturnTo(value, { fallback })
}

export function returnToFrom(
  params: { get(name: string): string | null },
  fallback = '/dashboard',
): string {
  return packageReturnToFrom(params, { fallback })
}
