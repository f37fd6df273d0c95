// The return-to rule in JavaScript (next-api-layer-native/client) against the table the Rust
// rule is tested with (tests/fixtures/return-to.json): one rule, one table, two languages.
// The auth proxy's own redirects are checked with the same table in hardening.test.js.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const table = require('../tests/fixtures/return-to.json')
const client = require('../client.js')

test('every case of the shared table', () => {
  assert.ok(table.cases.length >= 60)
  for (const c of table.cases) {
    const origin = 'origin' in c ? (c.origin ?? undefined) : table.origin
    assert.equal(client.resolveReturnTo(c.input, origin), c.expect, JSON.stringify(c))
  }
})

test('safeReturnTo and returnToFrom fall back on every refused case', () => {
  for (const c of table.cases) {
    if ('origin' in c) continue
    const got = client.safeReturnTo(c.input, { origin: table.origin, fallback: '/home' })
    assert.equal(got, c.expect ?? '/home', JSON.stringify(c.input))
    const params = new URLSearchParams({ callbackUrl: c.input })
    assert.equal(
      client.returnToFrom(params, { origin: table.origin, fallback: '/home' }),
      c.input === '' ? '/home' : (c.expect ?? '/home'),
    )
  }
  // the first parameter present wins, in RETURN_PARAMS order
  const p = new URLSearchParams({ next: '/b', returnTo: '/a' })
  assert.equal(client.returnToFrom(p, { origin: table.origin }), '/a')
  assert.deepEqual([...client.RETURN_PARAMS].slice(0, 2), ['returnTo', 'callbackUrl'])
  assert.equal(client.safeReturnTo(42), '/')
  assert.equal(client.resolveReturnTo(undefined), null)
})

test('the ESM and browser entries export the same functions', async () => {
  const esm = await import('../client.mjs')
  assert.equal(esm.resolveReturnTo('/..//evil.com', 'https://app.test'), null)
  assert.equal(esm.safeReturnTo('/x', { origin: 'https://app.test' }), '/x')
  const browser = await import('../js/client/browser.mjs')
  assert.equal(browser.resolveReturnTo('/a/..//evil.com', 'https://app.test'), null)
  assert.equal(typeof browser.returnToFrom, 'function')
})
