// The example app under `next start`, checked over plain HTTP (no browser): the native addon
// works inside proxy.ts and server components of a real Next.js 16 build.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { backend, DEMO, GUEST_COOKIE, get, jwtClaims, USER_COOKIE } from './helpers.mjs'

// React puts `<!-- -->` between adjacent text parts; drop them so text reads as a person sees it.
const visible = (html) => html.replace(/<!-- -->/g, '')

function assertRedirectsToLogin(r, wanted) {
  assert.ok([302, 303, 307, 308].includes(r.status), `expected a redirect, got ${r.status}`)
  const loc = new URL(r.headers.get('location'), 'http://app.local')
  assert.equal(loc.origin, 'http://app.local', 'the redirect stays on the same origin')
  assert.match(loc.pathname, /\/login$/)
  const values = [...loc.searchParams.values()]
  assert.ok(
    values.includes(wanted),
    `the login URL carries the return path ${wanted}: ${loc.pathname}${loc.search}`,
  )
}

test('the addon loads in proxy.ts: a first visit gets an httpOnly guest cookie', async () => {
  const before = await backend.count('POST /auth/guest')
  const r = await get('/')
  assert.equal(r.status, 200)
  const guest = r.setCookies[GUEST_COOKIE]
  assert.ok(guest, `a ${GUEST_COOKIE} cookie is set: ${JSON.stringify(Object.keys(r.setCookies))}`)
  assert.equal(guest.attrs.httponly, true)
  assert.equal(String(guest.attrs.samesite).toLowerCase(), 'lax')
  assert.equal(guest.attrs.path, '/')
  assert.equal(r.setCookies[USER_COOKIE], undefined, 'no user cookie is written for a guest')
  const me = await backend.me(decodeURIComponent(guest.value))
  assert.equal(me.status, 200)
  assert.equal(me.json.data.type, 'guest')
  assert.ok(
    (await backend.count('POST /auth/guest')) > before,
    'the guest token came from the backend',
  )
  assert.match(visible(r.text), /Browsing as a <strong>guest<\/strong>/)
})

test('a protected page redirects to the login page with a same-origin return path', async () => {
  assertRedirectsToLogin(await get('/dashboard'), '/dashboard')
  assertRedirectsToLogin(await get('/profile'), '/profile')
})

test('a locale-prefixed protected page redirects as well', async () => {
  const r = await get('/fr/dashboard')
  assert.ok([302, 303, 307, 308].includes(r.status), `expected a redirect, got ${r.status}`)
  assert.match(new URL(r.headers.get('location'), 'http://app.local').pathname, /\/login$/)
  // ...to a page that exists (the locale-prefixed login page).
  const login = await get(new URL(r.headers.get('location'), 'http://app.local').pathname)
  assert.equal(login.status, 200)
})

test('a forged x-auth-user header does not sign anybody in', async () => {
  const forged = Buffer.from(
    JSON.stringify({ id: 1, name: 'Mallory', email: 'm@evil.test', type: 'user' }),
  ).toString('base64')
  const r = await get('/dashboard', { headers: { 'x-auth-user': forged } })
  assert.ok([302, 303, 307, 308].includes(r.status), `expected a redirect, got ${r.status}`)
  const home = await get('/', { headers: { 'x-auth-user': forged } })
  assert.doesNotMatch(visible(home.text), /Mallory/)
})

test('with a user token the dashboard shows the user (server component, getServerUser)', async () => {
  const { token } = await backend.login()
  const r = await get('/dashboard', { cookies: { [USER_COOKIE]: token } })
  assert.equal(r.status, 200)
  const html = visible(r.text)
  assert.match(html, new RegExp(`Welcome, ${DEMO.name}`))
  assert.match(html, new RegExp(DEMO.email))
  assert.doesNotMatch(html, new RegExp(token.split('.')[2]), 'the token is not in the page')
  // the locale-prefixed route with the same cookie
  const fr = await get('/fr/dashboard', { cookies: { [USER_COOKIE]: token } })
  assert.equal(fr.status, 200)
  assert.match(visible(fr.text), new RegExp(`Bienvenue, ${DEMO.name}`))
})

test('an expired token is refreshed transparently, with one refresh call', async () => {
  const expired = await backend.mint({ sub: '1', ttl: -30 })
  assert.ok(jwtClaims(expired.token).exp < Date.now() / 1000)
  const before = await backend.count('POST /auth/refresh')
  const r = await get('/dashboard', { cookies: { [USER_COOKIE]: expired.token } })
  assert.equal(r.status, 200, 'no redirect to login: the person never notices')
  assert.match(visible(r.text), new RegExp(`Welcome, ${DEMO.name}`))
  const fresh = r.setCookies[USER_COOKIE]
  assert.ok(fresh, 'the refreshed token is written back')
  assert.notEqual(fresh.value, expired.token)
  assert.equal(fresh.attrs.httponly, true)
  assert.ok(jwtClaims(decodeURIComponent(fresh.value)).exp > Date.now() / 1000)
  assert.equal((await backend.count('POST /auth/refresh')) - before, 1)
  const me = await backend.me(decodeURIComponent(fresh.value))
  assert.equal(me.status, 200)
})

test('backend down: pages go on as anonymous and keep the cookies; API routes get 503 JSON', async () => {
  const { token } = await backend.mint({ sub: '1', ttl: 600 })
  await backend.faults({ me: { mode: 'down' } })
  try {
    const home = await get('/', { cookies: { [USER_COOKIE]: token } })
    assert.equal(home.status, 200, 'the page still renders')
    assert.doesNotMatch(visible(home.text), new RegExp(`Signed in as <strong>${DEMO.name}`))
    const dash = await get('/dashboard', { cookies: { [USER_COOKIE]: token } })
    for (const r of [home, dash]) {
      const c = r.setCookies[USER_COOKIE]
      assert.ok(!c || (c.value !== '' && c.attrs['max-age'] !== '0'), `user cookie kept: ${c?.raw}`)
    }
    const api = await get('/api/cart', { cookies: { [USER_COOKIE]: token } })
    assert.equal(api.status, 503)
    assert.equal(JSON.parse(api.text).success, false)
  } finally {
    await backend.faults({ me: null })
  }
  const again = await get('/dashboard', { cookies: { [USER_COOKIE]: token } })
  assert.equal(again.status, 200, 'the same cookie works again once the backend is back')
  assert.match(visible(again.text), new RegExp(`Welcome, ${DEMO.name}`))
})
