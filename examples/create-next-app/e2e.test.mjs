// The create-next-app app after `npm install next-api-layer-native` and `init` (plus the login
// and dashboard pages a user writes), built with Next.js 16 defaults (Turbopack, Cache
// Components, partialPrefetching) and served by next start: driven in headless Chromium.
// Run by examples/create-next-app/test.sh (APP_URL, BACKEND_URL exported).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  cookieMap,
  DEMO,
  GUEST_COOKIE,
  get,
  launch,
  loginThroughForm,
  newPage,
  USER_COOKIE,
} from '../e2e/helpers.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

test('the statically prerendered shell streams the session (Cache Components)', async () => {
  const r = await get('/')
  assert.equal(r.status, 200)
  assert.match(r.text, /<html/)
  assert.ok(r.setCookies[GUEST_COOKIE], 'the proxy hands a guest token to a first visit')
})

test('guest -> protected page -> login -> back to it; reload; logout; protected again', async () => {
  const { context, page, pageErrors, consoleErrors } = await newPage(browser)
  // Guest: the create-next-app home page, with an httpOnly guest cookie.
  await page.goto('/')
  let cookies = await cookieMap(context)
  assert.ok(cookies[GUEST_COOKIE], 'guest cookie')
  assert.equal(cookies[GUEST_COOKIE].httpOnly, true)
  assert.ok(!cookies[USER_COOKIE])

  // Return-to: the proxy sends the guest to /login?returnTo=/dashboard.
  await page.goto('/dashboard')
  await page.waitForURL((u) => u.pathname === '/login')
  assert.equal(new URL(page.url()).searchParams.get('returnTo'), '/dashboard')

  await loginThroughForm(page)
  await page.waitForURL((u) => u.pathname === '/dashboard')
  await page.getByTestId('welcome').waitFor()
  assert.equal(await page.getByTestId('welcome').textContent(), `Welcome, ${DEMO.name}`)
  // AuthProvider got the user from app/session (no client fetch needed for it).
  assert.equal(await page.getByTestId('client-user').textContent(), DEMO.name)
  cookies = await cookieMap(context)
  assert.ok(cookies[USER_COOKIE], 'user cookie after login')
  assert.equal(cookies[USER_COOKIE].httpOnly, true)

  // Reload: still signed in, server and client agree.
  await page.reload()
  await page.getByTestId('welcome').waitFor()
  assert.equal(await page.getByTestId('welcome').textContent(), `Welcome, ${DEMO.name}`)
  assert.equal(await page.getByTestId('client-user').textContent(), DEMO.name)

  // Logout: cookie gone, the dashboard is protected again.
  await page.getByRole('button', { name: 'Log out' }).click()
  await page.waitForURL((u) => u.pathname === '/')
  cookies = await cookieMap(context)
  assert.ok(!cookies[USER_COOKIE], 'user cookie cleared')
  await page.goto('/dashboard')
  await page.waitForURL((u) => u.pathname === '/login')

  assert.deepEqual(pageErrors, [])
  assert.deepEqual(consoleErrors, [])
  await context.close()
})
