// BASELINE (d), not part of the package: a plain-JS auth proxy written the way the seed pages
// and common tutorials do it. Every request validates its token with a fetch to the backend's
// /auth/me; a 401 triggers a fetch to /auth/refresh (no cache, no coalescing, no grace window).
// The bench uses it side by side with createAuthProxy, in-process and inside the bench app.

/**
 * @param {{ apiBaseUrl: string, NextResponse: any, protectedRoutes?: string[], loginPath?: string }} opts
 */
export function createSeedProxy({
  apiBaseUrl,
  NextResponse,
  protectedRoutes = ['/dashboard'],
  loginPath = '/login',
}) {
  const isProtected = (p) => protectedRoutes.some((r) => p === r || p.startsWith(`${r}/`))
  const toLogin = (req) => {
    const url = new URL(loginPath, req.url)
    url.searchParams.set('returnTo', req.nextUrl.pathname)
    const res = NextResponse.redirect(url)
    res.cookies.delete('userToken')
    return res
  }
  const me = (token) =>
    fetch(`${apiBaseUrl}/auth/me`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    })
  const withUser = (req, user, newToken) => {
    const headers = new Headers(req.headers)
    headers.delete('x-refreshed-token')
    headers.set('x-auth-user', Buffer.from(JSON.stringify(user)).toString('base64'))
    if (newToken) headers.set('x-refreshed-token', newToken)
    const res = NextResponse.next({ request: { headers } })
    if (newToken)
      res.cookies.set('userToken', newToken, { httpOnly: true, sameSite: 'lax', path: '/' })
    return res
  }

  return async function seedProxy(req) {
    const path = req.nextUrl.pathname
    const token = req.cookies.get('userToken')?.value
    if (!token) return isProtected(path) ? toLogin(req) : NextResponse.next()
    try {
      const res = await me(token)
      if (res.ok) {
        const { data } = await res.json()
        return withUser(req, data)
      }
      if (res.status === 401) {
        const r = await fetch(`${apiBaseUrl}/auth/refresh`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        })
        if (r.ok) {
          const { data } = await r.json()
          const again = await me(data.token)
          if (again.ok) return withUser(req, (await again.json()).data, data.token)
        }
      }
      return isProtected(path) ? toLogin(req) : NextResponse.next()
    } catch {
      return isProtected(path) ? toLogin(req) : NextResponse.next()
    }
  }
}
