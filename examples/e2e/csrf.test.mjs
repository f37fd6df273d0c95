// CSRF in the example app under `next start` (the auth proxy's `csrf` option, strategy 'both'),
// over plain HTTP: a cross-site form post is refused before it reaches the backend; a
// same-origin request carrying the session's token passes.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { APP_URL, backend, get, USER_COOKIE } from './helpers.mjs'

const CSRF_COOKIE = '__csrf'

/** Signs in through the backend and makes a safe request, which issues the session's CSRF cookie. */
async function session() {
  const { token } = await backend.login()
  const page = await get('/api/profile', { cookies: { [USER_COOKIE]: token } })
  assert.equal(page.status, 200, page.text)
  const csrf = page.setCookies[CSRF_COOKIE]
  assert.ok(csrf, `a ${CSRF_COOKIE} cookie is issued: ${Object.keys(page.setCookies)}`)
  assert.notEqual(csrf.attrs.httponly, true, 'client code must be able to read the CSRF cookie')
  return { token, csrf: decodeURIComponent(csrf.value) }
}

const profileUpdates = () => backend.count('PUT /profile')

test('a cross-site form post is refused with 403 JSON and never reaches the backend', async () => {
  const { token, csrf } = await session()
  const before = await profileUpdates()
  // What a form on another site makes the browser send: the cookies ride along (even the
  // CSRF cookie), but the browser says where the request comes from.
  const r = await get('/api/profile', {
    method: 'PUT',
    cookies: { [USER_COOKIE]: token, [CSRF_COOKIE]: csrf },
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'navigate',
      origin: 'https://evil.example',
    },
    body: 'name=Hacked',
  })
  assert.equal(r.status, 403)
  const body = JSON.parse(r.text)
  assert.equal(body.success, false)
  assert.equal(typeof body.message, 'string')
  assert.equal(await profileUpdates(), before, 'the backend was not called')
})

test('an old browser (no Fetch Metadata) without the token is refused too', async () => {
  const { token, csrf } = await session()
  const before = await profileUpdates()
  const forged = `${csrf.slice(0, -2)}${csrf.endsWith('AA') ? 'BB' : 'AA'}`
  for (const [name, cookies, headers] of [
    ['no token', { [USER_COOKIE]: token }, {}],
    ['token not echoed', { [USER_COOKIE]: token, [CSRF_COOKIE]: csrf }, {}],
    [
      'forged signature',
      { [USER_COOKIE]: token, [CSRF_COOKIE]: forged },
      { 'x-csrf-token': forged },
    ],
  ]) {
    const r = await get('/api/profile', {
      method: 'PUT',
      cookies,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ name: 'Hacked' }),
    })
    assert.equal(r.status, 403, name)
  }
  assert.equal(await profileUpdates(), before)
})

test('a same-origin request with the session token passes', async () => {
  const { token, csrf } = await session()
  const before = await profileUpdates()
  // Double-submit: cookie and header agree and the HMAC matches this session.
  const r = await get('/api/profile', {
    method: 'PUT',
    cookies: { [USER_COOKIE]: token, [CSRF_COOKIE]: csrf },
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    body: JSON.stringify({ name: 'Demo User' }),
  })
  assert.equal(r.status, 200, r.text)
  assert.equal(JSON.parse(r.text).data.name, 'Demo User')
  // A browser's same-origin fetch (Fetch Metadata) passes as well.
  const r2 = await get('/api/profile', {
    method: 'PUT',
    cookies: { [USER_COOKIE]: token, [CSRF_COOKIE]: csrf },
    headers: {
      'content-type': 'application/json',
      'x-csrf-token': csrf,
      'sec-fetch-site': 'same-origin',
      origin: APP_URL,
    },
    body: JSON.stringify({ name: 'Demo User' }),
  })
  assert.equal(r2.status, 200, r2.text)
  assert.equal(await profileUpdates(), before + 2)
})

test('getCsrfToken() on the server sees the token the proxy issues in the same request', async () => {
  const { token } = await backend.login()
  const first = await get('/api/csrf-token', { cookies: { [USER_COOKIE]: token } })
  assert.equal(first.status, 200, first.text)
  const issued = first.setCookies[CSRF_COOKIE]
  assert.ok(issued, 'the proxy issued a CSRF cookie')
  assert.equal(JSON.parse(first.text).data.token, decodeURIComponent(issued.value))
  // Next time the browser sends it back: the same token, nothing new issued.
  const again = await get('/api/csrf-token', {
    cookies: { [USER_COOKIE]: token, [CSRF_COOKIE]: issued.value },
  })
  assert.equal(JSON.parse(again.text).data.token, decodeURIComponent(issued.value))
  assert.equal(again.setCookies[CSRF_COOKIE], undefined)
})
