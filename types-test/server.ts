// next-api-layer-native/server: getServerUser<MyUser>() and helpers.

import type { GetServerUserOptions, ServerUserResult } from 'next-api-layer-native/server'
import {
  getCsrfToken,
  getServerToken,
  getServerUser,
  isAuthenticatedServer,
} from 'next-api-layer-native/server'

interface MyUser {
  id: number
  name: string
  type: 'user' | 'guest'
}

const options: GetServerUserOptions<MyUser> = {
  userCookie: 'userToken',
  guestCookie: 'guestToken',
  apiBaseUrl: 'https://api.example.com',
  validateEndpoint: 'auth/me',
  skipHeader: false,
  isGuestFn: (user) => user.type === 'guest',
  request: new Request('http://localhost/'),
  parseResponse: (body) => body.data as MyUser,
}

async function page(): Promise<string> {
  const result: ServerUserResult<MyUser> = await getServerUser<MyUser>(options)
  const name: string | undefined = result.user?.name
  const token: string | null = await getServerToken()
  const signedIn: boolean = await isAuthenticatedServer({ userCookie: 'userToken' })
  const csrf: string | null = await getCsrfToken({ cookieName: '__csrf' })
  const plain = await getServerUser()
  void plain.user?.anything
  // @ts-expect-error the user is typed by the generic
  const wrong: number = result.user?.name
  void wrong
  return `${name} ${token} ${signedIn} ${csrf}`
}
void page

// @ts-expect-error isGuestFn receives the typed user
getServerUser<MyUser>({ isGuestFn: (user: string) => user === 'guest' })
// @ts-expect-error skipHeader is a boolean
getServerUser({ skipHeader: 'yes' })
// Local verification for a server component without a proxy in the process.
getServerUser({
  validate: { mode: 'local', jwksUrl: 'https://api.example.com/.well-known/jwks.json' },
})
// @ts-expect-error validate is an object, not the endpoint (that is validateEndpoint)
getServerUser({ validate: 'auth/me' })
