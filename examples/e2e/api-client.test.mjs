// createApiClient inside the example app under `next start`, checked over HTTP: a route handler
// (/api/server-data) and a server component (/server-data) calling the demo backend.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BACKEND_URL, backend, DEMO, get, USER_COOKIE } from './helpers.mjs'

const visible = (html) => html.replace(/<!-- -->/g, '')

function assertSanitizedBodies(posts) {
  assert.ok(posts.length >= 5, `posts: ${posts.length}`)
  for (const p of posts) {
    assert.doesNotMatch(p.body, /<[a-z!/?]/i, `markup left in post ${p.id}: ${p.body}`)
    assert.doesNotMatch(p.body, /alert\(/, `script text left in post ${p.id}: ${p.body}`)
  }
}

test('the backend really sends XSS payloads (so the checks below can fail)', async () => {
  const raw = await (await fetch(`${BACKEND_URL}/posts`)).json()
  assert.ok(raw.data.some((p) => /<script|onerror=|javascript:/i.test(p.body)))
})

test('route handler: posts sanitized, user from the cookie through the token cascade', async () => {
  const { token } = await backend.login()
  const r = await get('/api/server-data', { cookies: { [USER_COOKIE]: token } })
  assert.equal(r.status, 200, r.text)
  const j = JSON.parse(r.text)
  assert.equal(j.success, true)
  assert.equal(j.data.user.name, DEMO.name)
  assert.equal(j.data.userStatus, 200)
  assertSanitizedBodies(j.data.posts)
})

test('route handler: without a user cookie the client does not act as the demo user', async () => {
  const r = await get('/api/server-data')
  assert.equal(r.status, 200, r.text)
  const j = JSON.parse(r.text)
  if (j.data.user) {
    assert.equal(j.data.user.type, 'guest', 'only a guest token from the proxy can be used')
  } else {
    assert.equal(j.data.userStatus, 401)
    assert.equal(j.data.userError.name, 'AuthError')
  }
  assert.notEqual(j.data.user?.name, DEMO.name)
})

test('route handler returns the client result as it is: a Response with the sanitized JSON', async () => {
  const r = await get('/api/server-data?raw=1')
  assert.equal(r.status, 200)
  assert.match(r.headers.get('content-type'), /application\/json/)
  const j = JSON.parse(r.text)
  assert.equal(j.success, true)
  assertSanitizedBodies(j.data)
})

test('server component: renders the signed-in user and sanitized posts', async () => {
  const { token } = await backend.login()
  const r = await get('/server-data', { cookies: { [USER_COOKIE]: token } })
  assert.equal(r.status, 200)
  const html = visible(r.text)
  assert.match(html, new RegExp(`Signed in as: <strong>${DEMO.name}</strong>`))
  const start = html.indexOf('data-testid="server-posts"')
  const end = html.indexOf('data-testid="server-posts-end"')
  assert.ok(start > 0 && end > start, 'the posts section is rendered')
  const section = html.slice(start, end)
  assert.match(section, /Welcome to the demo/)
  assert.match(section, /<strong>world<\/strong>|Hello world/)
  for (const bad of [/<script/i, /<img/i, /<svg/i, /onerror=/i, /href="javascript:/i, /alert\(/]) {
    assert.doesNotMatch(section, bad)
  }
})

test('server component: anonymous visitors are not shown as the demo user', async () => {
  const r = await get('/server-data')
  assert.equal(r.status, 200)
  assert.doesNotMatch(visible(r.text), new RegExp(`Signed in as: <strong>${DEMO.name}`))
})
