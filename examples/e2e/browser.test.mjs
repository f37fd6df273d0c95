// The example app in headless Chromium, used as a person would use it.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { after, before, test } from 'node:test'
import {
  APP_DIR,
  APP_URL,
  backend,
  cookieMap,
  DEMO,
  GUEST_COOKIE,
  launch,
  loginThroughForm,
  newPage,
  screenshot,
  USER_COOKIE,
  waitUntilExpired,
} from './helpers.mjs'

// evil.test is another site (not just another origin) that resolves to this machine.
const EVIL_HOST = 'evil.test'
let browser

before(async () => {
  browser = await launch([`--host-resolver-rules=MAP ${EVIL_HOST} 127.0.0.1`])
})
after(async () => {
  await browser?.close()
})

async function loggedInPage() {
  const p = await newPage(browser)
  await p.page.goto('/login')
  await loginThroughForm(p.page)
  await p.page.waitForURL((u) => u.pathname === '/dashboard')
  return p
}

test('first visit: a guest cookie, httpOnly, never visible to page scripts', async () => {
  const { context, page } = await newPage(browser)
  await page.goto('/')
  await page.getByTestId('session').waitFor()
  assert.match(await page.getByTestId('session').textContent(), /guest/)
  const cookies = await cookieMap(context)
  assert.ok(cookies[GUEST_COOKIE], 'guest cookie set on the first visit')
  assert.equal(cookies[GUEST_COOKIE].httpOnly, true)
  assert.equal(cookies[GUEST_COOKIE].sameSite, 'Lax')
  assert.equal(cookies[GUEST_COOKIE].path, '/')
  const docCookie = await page.evaluate(() => document.cookie)
  assert.ok(!docCookie.includes(GUEST_COOKIE), `document.cookie: ${docCookie}`)
  assert.ok(!docCookie.includes('eyJ'), 'no JWT readable from script')
  await screenshot(page, 'home-guest')
  await context.close()
})

test('protected page -> login -> back to the page after login; user on first paint', async () => {
  const { context, page } = await newPage(browser)
  await page.goto('/dashboard')
  await page.waitForURL((u) => u.pathname === '/login')
  assert.ok(new URL(page.url()).search.includes('dashboard'), `return path kept: ${page.url()}`)
  await screenshot(page, 'login')
  await loginThroughForm(page)
  await page.waitForURL((u) => u.pathname === '/dashboard')
  assert.equal(await page.getByTestId('welcome').textContent(), `Welcome, ${DEMO.name}`)
  await screenshot(page, 'dashboard')
  const cookies = await cookieMap(context)
  assert.ok(cookies[USER_COOKIE], 'user cookie set')
  assert.equal(cookies[USER_COOKIE].httpOnly, true)
  assert.equal(cookies[USER_COOKIE].sameSite, 'Lax')
  assert.equal(cookies[GUEST_COOKIE], undefined, 'the guest cookie is cleared on login')
  const docCookie = await page.evaluate(() => document.cookie)
  assert.ok(!docCookie.includes(USER_COOKIE) && !docCookie.includes('eyJ'), docCookie)

  // First paint: the same cookies, JavaScript off. The server-rendered HTML already has the user.
  const noJs = await browser.newContext({ baseURL: APP_URL, javaScriptEnabled: false })
  await noJs.addCookies(await context.cookies(APP_URL))
  const p2 = await noJs.newPage()
  await p2.goto('/dashboard')
  assert.equal(await p2.getByTestId('welcome').textContent(), `Welcome, ${DEMO.name}`)
  assert.equal(await p2.getByTestId('nav-user').textContent(), DEMO.name)
  // The package's AuthProvider/useAuth (client components) server-rendered the user too.
  assert.equal(await p2.getByTestId('client-auth').textContent(), `user:${DEMO.name}`)
  await noJs.close()
  await context.close()
})

test('a wrong password shows the backend field error', async () => {
  const { context, page } = await newPage(browser)
  await page.goto('/login')
  await loginThroughForm(page, DEMO.email, 'wrong-password')
  const err = page.locator('[data-field-error=email]')
  await err.waitFor()
  assert.equal(await err.textContent(), 'These credentials do not match our records.')
  assert.equal(new URL(page.url()).pathname, '/login')
  assert.equal((await cookieMap(context))[USER_COOKIE], undefined)
  await screenshot(page, 'login-error')
  await context.close()
})

test('register: field errors from the backend, then a new account lands on the dashboard', async () => {
  const { context, page } = await newPage(browser)
  await page.goto('/register')
  await page.fill('input[name=name]', 'Ada Lovelace')
  await page.fill('input[name=email]', DEMO.email)
  await page.fill('input[name=password]', 'password1')
  await page.fill('input[name=password_confirmation]', 'password1')
  await page.click('button[type=submit]')
  const taken = page.locator('[data-field-error=email]')
  await taken.waitFor()
  assert.equal(await taken.textContent(), 'The email has already been taken.')
  const email = `ada.${Date.now()}@example.com`
  await page.fill('input[name=email]', email)
  await page.click('button[type=submit]')
  await page.waitForURL((u) => u.pathname === '/dashboard')
  assert.equal(await page.getByTestId('welcome').textContent(), 'Welcome, Ada Lovelace')
  assert.equal(await page.getByTestId('user-email').textContent(), email)
  assert.equal((await cookieMap(context))[USER_COOKIE].httpOnly, true)
  await context.close()
})

test('the access token expires and the next navigation refreshes it unnoticed', async () => {
  const { context, page } = await loggedInPage()
  const old = (await cookieMap(context))[USER_COOKIE].value
  await waitUntilExpired(decodeURIComponent(old))
  const before = await backend.count('POST /auth/refresh')
  await page.goto('/profile')
  assert.equal(new URL(page.url()).pathname, '/profile', 'no detour through the login page')
  await page.getByText('Display name').waitFor()
  await page.getByRole('link', { name: 'Dashboard' }).click()
  await page.waitForURL((u) => u.pathname === '/dashboard')
  assert.equal(await page.getByTestId('welcome').textContent(), `Welcome, ${DEMO.name}`)
  const fresh = (await cookieMap(context))[USER_COOKIE]
  assert.ok(fresh && fresh.value !== old, 'the cookie holds a new token')
  assert.equal((await backend.count('POST /auth/refresh')) - before, 1, 'exactly one refresh')
  await context.close()
})

test('logout clears the cookies and returns to the login page', async () => {
  const { context, page } = await loggedInPage()
  await page.getByRole('button', { name: 'Log out' }).click()
  await page.waitForURL((u) => u.pathname === '/login')
  const cookies = await cookieMap(context)
  assert.equal(cookies[USER_COOKIE], undefined)
  await page.goto('/dashboard')
  await page.waitForURL((u) => u.pathname === '/login')
  await context.close()
})

test('posts: XSS payloads are shown harmlessly and never run', async () => {
  const { context, page, dialogs, pageErrors } = await newPage(browser)
  await page.goto('/posts')
  await page.getByText('A post with a script tag').waitFor()
  // give any injected handler (img onerror, svg onload) the chance to fire
  await page.waitForLoadState('networkidle')
  const container = page.getByTestId('posts')
  assert.equal(await container.locator('script').count(), 0)
  assert.equal(await container.locator('[onerror], [onload], [onclick]').count(), 0)
  assert.equal(await container.locator('a[href^="javascript:"]').count(), 0)
  assert.match(await container.textContent(), /Hello world!/)
  const safe = container.locator('a[href="https://example.com/"]')
  assert.equal(await safe.count(), 1, 'harmless markup survives')
  // click what used to be the javascript: link (external links are left alone: no network here)
  await page.evaluate(() => {
    for (const a of document.querySelectorAll('[data-testid=posts] a:not([href^="http"])'))
      a.click()
  })
  await page.waitForTimeout(300)
  assert.deepEqual(dialogs, [], 'no dialog fired')
  assert.deepEqual(pageErrors, [])
  await screenshot(page, 'posts')
  await context.close()
})

test('guest cart through the catch-all proxy', async () => {
  const { context, page } = await newPage(browser)
  await page.goto('/cart')
  await page.getByTestId('add-2').click()
  await page.getByTestId('add-2').click()
  await page.getByTestId('add-1').click()
  await page.waitForFunction(
    () => document.querySelector('[data-testid=cart-count]')?.textContent === '3',
  )
  assert.equal(await page.getByTestId('cart-owner').textContent(), 'guest')
  await page.reload()
  await page.waitForFunction(
    () => document.querySelector('[data-testid=cart-count]')?.textContent === '3',
  )
  await screenshot(page, 'cart')
  await context.close()
})

test('profile form posts through the catch-all proxy with CSRF on', async () => {
  const { context, page } = await loggedInPage()
  await page.goto('/profile')
  const input = page.locator('input[name=name]')
  const { token } = await backend.login()
  const nameAtBackend = async () => (await backend.me(token)).json.data.name
  try {
    await input.fill('Demo Renamed')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('status').waitFor()
    assert.equal(await page.getByRole('status').textContent(), 'Profile updated.')
    assert.equal(await nameAtBackend(), 'Demo Renamed')
    await screenshot(page, 'profile')
    // an empty name: the backend's 422 field error is shown next to the field
    await input.fill('')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.locator('[data-field-error=name]').waitFor()
    assert.equal(await nameAtBackend(), 'Demo Renamed')
  } finally {
    await input.fill(DEMO.name)
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('status').waitFor()
  }
  assert.equal(await nameAtBackend(), DEMO.name)
  await context.close()
})

test('a cross-site form post is refused', async () => {
  const { context, page } = await loggedInPage()
  const evil = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end(`<!doctype html><form id="f" method="POST" action="${APP_URL}/api/profile">
      <input name="name" value="Hacked"></form><script>document.getElementById('f').submit()</script>`)
  })
  await new Promise((r) => evil.listen(0, '127.0.0.1', r))
  try {
    const { port } = evil.address()
    const response = page.waitForResponse((r) => r.url().startsWith(`${APP_URL}/api/profile`))
    await page.goto(`http://${EVIL_HOST}:${port}/`)
    const res = await response
    assert.equal((await res.request().allHeaders())['sec-fetch-site'], 'cross-site')
    assert.equal(res.status(), 403, `refused, got ${res.status()}`)
    const { token } = await backend.login()
    assert.equal((await backend.me(token)).json.data.name, DEMO.name, 'nothing changed')
  } finally {
    evil.close()
    evil.closeAllConnections()
  }
  await context.close()
})

test('the events page receives server-sent events one by one', async () => {
  const { context, page } = await newPage(browser)
  await page.goto('/events')
  await page.waitForFunction(
    () => Number(document.querySelector('[data-testid=sse-count]')?.textContent) >= 1,
  )
  const first = Number(await page.getByTestId('sse-count').textContent())
  const stateThen = await page.getByTestId('sse-state').textContent()
  assert.ok(first < 6, `the first event arrived before the stream ended (${first} of 6)`)
  assert.notEqual(stateThen, 'done')
  await page.waitForFunction(
    () => document.querySelector('[data-testid=sse-state]')?.textContent === 'done',
  )
  const items = await page.getByTestId('sse-events').locator('li').allInnerTexts()
  assert.deepEqual(
    items.map((t) => Number(/n=(\d+)/.exec(t)[1])),
    [1, 2, 3, 4, 5, 6],
  )
  await screenshot(page, 'events')
  await context.close()
})

test("the package's AuthProvider/useAuth: server-rendered, hydrated without mismatch, live", async () => {
  const { context, page, pageErrors, consoleErrors } = await newPage(browser)
  // Server render (Next's SSR React, no swr) and the hydrating render (swr) must agree.
  const html = await (await context.request.get('/')).text()
  assert.match(html, /data-testid="client-auth"[^>]*>guest</)
  await page.goto('/')
  const status = page.getByTestId('client-auth')
  await page.waitForFunction(
    () => document.querySelector('[data-testid=client-auth]')?.dataset.hydrated === '1',
  )
  assert.equal(await status.textContent(), 'guest')
  // useAuth().refresh() loads the user from /api/auth/me in the browser (swr), same answer.
  await page.getByTestId('client-auth-refresh').click()
  await page.waitForFunction(
    () => document.querySelector('[data-testid=client-auth]')?.dataset.refreshed === '1',
  )
  assert.equal(await status.textContent(), 'guest')
  assert.deepEqual(pageErrors, [])
  assert.deepEqual(consoleErrors, [], 'no hydration mismatch or other console error')
  await context.close()
})

test('the client chunks contain no reference to the native addon', () => {
  const dir = path.join(APP_DIR, '.next/static')
  const files = []
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else if (p.endsWith('.js')) files.push(p)
    }
  }
  walk(dir)
  assert.ok(files.length > 0, `client chunks found in ${dir}`)
  const needles = ['.node', 'next-api-layer-native', 'process.dlopen', 'binding.js', 'napi']
  for (const f of files) {
    const text = readFileSync(f, 'utf8')
    for (const n of needles) {
      if (n === '.node') {
        assert.doesNotMatch(text, /linux-x64-gnu\.node|\.node['"`]/, `${f} mentions a .node file`)
      } else assert.ok(!text.includes(n), `${path.relative(dir, f)} mentions ${n}`)
    }
  }
})
