// The example app built with Cache Components (and partialPrefetching) off, served by next start:
// a few HTTP checks that the same code renders per request (examples/test.sh runs this after the
// full e2e, which uses the Cache Components build).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { backend, DEMO, GUEST_COOKIE, get, USER_COOKIE } from '../e2e/helpers.mjs'

test('guest: the home page renders with a guest session and sets the guest cookie', async () => {
  const r = await get('/')
  assert.equal(r.status, 200)
  assert.ok(r.setCookies[GUEST_COOKIE], 'guest cookie')
  assert.match(r.text, /data-testid="nav-user"[^>]*>guest</)
})

test('protected page: anonymous -> /login?returnTo=/dashboard; signed in -> the user', async () => {
  const anon = await get('/dashboard')
  assert.equal(anon.status, 307)
  const to = new URL(anon.headers.get('location'), 'http://app.test')
  assert.equal(to.pathname, '/login')
  assert.equal(to.searchParams.get('returnTo'), '/dashboard')
  const { token } = await backend.login()
  const r = await get('/dashboard', { cookies: { [USER_COOKIE]: token } })
  assert.equal(r.status, 200)
  assert.match(r.text, new RegExp(`Welcome, (<!-- -->)?${DEMO.name}`))
})

test('a server component calling the API client first (no Date.now() before the request)', async () => {
  const { token } = await backend.login()
  const r = await get('/server-data', { cookies: { [USER_COOKIE]: token } })
  assert.equal(r.status, 200)
  assert.match(r.text, new RegExp(DEMO.name))
})
