// createAuthRoutes' logout revokes on the backend: the access token as Bearer and the refresh
// token in the JSON body under `logout.bodyField` (default `refresh.bodyField`), and clears the
// cookies whatever the backend answers (also when it is down).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { createAuthRoutes } = require('../js/routes/auth-routes.js')
const { assertConfigErrors } = require('./helpers/config.js')
const { withServer } = require('./helpers/server.js')

/** A backend that records each logout call (authorization and parsed body) and answers `status`. */
function recorder(calls, status = 200) {
  return (req, res) => {
    let raw = ''
    req.on('data', (c) => {
      raw += c
    })
    req.on('end', () => {
      calls.push({
        url: req.url,
        authorization: req.headers.authorization ?? null,
        contentType: req.headers['content-type'] ?? null,
        body: raw ? JSON.parse(raw) : null,
      })
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(status === 200 ? '{"success":true}' : '{"detail":"nope"}')
    })
  }
}

function logoutRequest(cookie) {
  return new Request('http://app.test/api/auth/logout', {
    method: 'POST',
    headers: cookie ? { cookie } : {},
  })
}

function cleared(res) {
  const set = res.headers.getSetCookie()
  const names = set.filter((c) => /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c))
  return names.map((c) => c.split('=')[0]).sort()
}

test('logout sends Bearer + { refresh: token } to the configured endpoint and clears cookies', async () => {
  const calls = []
  await withServer(recorder(calls), async (url) => {
    const routes = createAuthRoutes({
      apiBaseUrl: url,
      csrf: false,
      endpoints: { logout: 'token/blacklist/' },
      refresh: { style: 'cookie', bodyField: 'refresh' },
    })
    const res = await routes.logout(logoutRequest('userToken=acc.1; refreshToken=ref.1'))
    assert.equal(res.status, 200)
    assert.deepEqual(calls, [
      {
        url: '/token/blacklist/',
        authorization: 'Bearer acc.1',
        contentType: 'application/json',
        body: { refresh: 'ref.1' },
      },
    ])
    assert.deepEqual(cleared(res), ['guestToken', 'refreshToken', 'userToken'])
  })
})

test('logout with only a refresh cookie still revokes it; the default field is refresh_token', async () => {
  const calls = []
  await withServer(recorder(calls), async (url) => {
    const routes = createAuthRoutes({ apiBaseUrl: url, csrf: false })
    await routes.logout(logoutRequest('refreshToken=ref.2'))
    assert.deepEqual(calls, [
      {
        url: '/auth/logout',
        authorization: null,
        contentType: 'application/json',
        body: { refresh_token: 'ref.2' },
      },
    ])
  })
})

test('logout options: no refresh token, own body field, no Bearer', async () => {
  const calls = []
  await withServer(recorder(calls), async (url) => {
    const cookie = 'userToken=acc.3; refreshToken=ref.3'
    await createAuthRoutes({
      apiBaseUrl: url,
      csrf: false,
      logout: { sendRefreshToken: false },
    }).logout(logoutRequest(cookie))
    await createAuthRoutes({
      apiBaseUrl: url,
      csrf: false,
      logout: { sendAccessToken: false, bodyField: 'token' },
    }).logout(logoutRequest(cookie))
    assert.deepEqual(
      calls.map((c) => [c.authorization, c.body]),
      [
        ['Bearer acc.3', null],
        [null, { token: 'ref.3' }],
      ],
    )
  })
})

test('logout without any token cookie calls no backend and still clears', async () => {
  const calls = []
  await withServer(recorder(calls), async (url) => {
    const res = await createAuthRoutes({ apiBaseUrl: url, csrf: false }).logout(logoutRequest())
    assert.equal(res.status, 200)
    assert.equal(calls.length, 0)
    assert.deepEqual(cleared(res), ['guestToken', 'refreshToken', 'userToken'])
  })
})

test('the cookies are cleared whatever the backend answers: 500, 401, down', async () => {
  const cookie = 'userToken=acc.4; refreshToken=ref.4'
  for (const status of [500, 401]) {
    const calls = []
    await withServer(recorder(calls, status), async (url) => {
      const res = await createAuthRoutes({ apiBaseUrl: url, csrf: false }).logout(
        logoutRequest(cookie),
      )
      assert.equal(res.status, 200)
      assert.equal(calls.length, 1)
      assert.deepEqual(cleared(res), ['guestToken', 'refreshToken', 'userToken'])
    })
  }
  // a port nothing listens on (taken and released)
  let downUrl
  await withServer(
    (_q, s) => s.end(),
    async (url) => {
      downUrl = url
    },
  )
  const original = console.error
  console.error = () => {}
  try {
    const res = await createAuthRoutes({ apiBaseUrl: downUrl, csrf: false }).logout(
      logoutRequest(cookie),
    )
    assert.equal(res.status, 200)
    assert.deepEqual(cleared(res), ['guestToken', 'refreshToken', 'userToken'])
  } finally {
    console.error = original
  }
})

test('logout options are checked at construction', () => {
  assertConfigErrors(createAuthRoutes, [
    [{ apiBaseUrl: 'http://x', logout: 'yes' }, /logout must be an object/],
    [{ apiBaseUrl: 'http://x', logout: { sendRefreshToken: 'no' } }, /logout\.sendRefreshToken/],
    [{ apiBaseUrl: 'http://x', logout: { sendAccessToken: 1 } }, /logout\.sendAccessToken/],
    [{ apiBaseUrl: 'http://x', logout: { bodyField: '' } }, /logout\.bodyField/],
    [{ apiBaseUrl: 'http://x', parseErrorResponse: 'x' }, /parseErrorResponse/],
  ])
})
