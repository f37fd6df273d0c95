// The whole flow of a Next.js app against a real third-party backend, driven through the
// package's JS API the way Next.js calls it (createAuthProxy with NextRequest for proxy.ts,
// createAuthRoutes for app/api/auth/[action], createProxyHandler for app/api/[...path]), with
// the README recipe of that backend as the config. Used by backends-<name>.test.js.
//
// Flows, in order (each test builds on the session of the ones before): login (and its field
// errors), page with the user, expiry + transparent refresh with rotation, a 50-request storm,
// guest, writes through the catch-all (bodies byte for byte), 403/404/4xx pass-through, SSE,
// logout (the old refresh token then refused by the backend), backend down and back.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { NextRequest } = require('next/server')
const { startFrameworkBackend } = require('../../examples/backends/spawn.js')
const { downstreamUser } = require('./next-proxy.js')

const APP = 'http://app.test'
const ROOT = path.join(__dirname, '..', '..')

/** Cookies from Set-Cookie headers into a name -> value map ('' = cleared). */
function applySetCookies(jar, res) {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';')
    const i = pair.indexOf('=')
    const name = pair.slice(0, i)
    const cleared = /Max-Age=0\b|Expires=Thu, 01 Jan 1970/i.test(line)
    jar[name] = cleared ? '' : pair.slice(i + 1)
  }
  return jar
}

function cookieHeader(jar) {
  return Object.entries(jar)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ')
}

/** The user code behind the proxy gets (getServerUser) for a page request with `cookie`. */
function authUser(res, cookie) {
  return downstreamUser(page('/dashboard', cookie), res)
}

function page(pathname, cookie) {
  return new NextRequest(new URL(pathname, APP), {
    headers: cookie ? { cookie, 'user-agent': 'node-test' } : { 'user-agent': 'node-test' },
  })
}

function jsonPost(pathname, body, cookie) {
  return new Request(new URL(pathname, APP), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  })
}

/** A catch-all call as Next.js makes it: the body a stream, with the client's Content-Length. */
function apiCall(method, segments, { cookie, body, chunked = false } = {}) {
  const headers = { accept: 'application/json' }
  if (cookie) headers.cookie = cookie
  const init = { method, headers }
  if (body !== undefined) {
    const bytes = Buffer.from(body, 'utf8')
    headers['content-type'] = 'application/json'
    if (!chunked) headers['content-length'] = String(bytes.length)
    init.body = new ReadableStream({
      start(c) {
        // two pieces, as a network read would hand them over
        c.enqueue(new Uint8Array(bytes.subarray(0, 5)))
        c.enqueue(new Uint8Array(bytes.subarray(5)))
        c.close()
      },
    })
    init.duplex = 'half'
  }
  const req = new NextRequest(`${APP}/api/${segments.join('/')}`, init)
  return [req, { params: Promise.resolve({ path: segments }) }]
}

/** The README shows the recipe file's text between `recipe:start` and `recipe:end`. */
function recipeText(file) {
  const text = fs.readFileSync(file, 'utf8')
  const m = /\/\/ recipe:start\n([\s\S]*?)\/\/ recipe:end/.exec(text)
  assert.ok(m, `${file} has recipe markers`)
  return m[1].trim()
}

/** Asserts that README.md shows `file`'s recipe (as TypeScript: typed consts, `!` on the env). */
function assertReadmeShows(file) {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const shown = readme
    .replaceAll('process.env.API_BASE_URL!', 'process.env.API_BASE_URL')
    .replace(/(const \w+): (AuthProxyConfig|AuthRoutesConfig|ProxyHandlerConfig) =/g, '$1 =')
    .replaceAll('(json: any) =>', '(json) =>')
  assert.ok(shown.includes(recipeText(file)), `README shows ${path.relative(ROOT, file)} verbatim`)
}

/**
 * @param {object} spec
 * @param {'django'|'express'} spec.name
 * @param {object} spec.credentials login body of the example user
 * @param {string} spec.who the example user for the expired-token control
 * @param {(user: any) => boolean} spec.isUser whether a user object is the example user
 * @param {(json: any) => any} spec.echoOf the echo part of a posts write answer
 * @param {object} spec.badLogin { body, status, field }: a login the backend refuses field-wise
 * @param {number} spec.invalidStatus the backend's status for a post without a title
 */
function defineFlows(spec) {
  const recipeFile = path.join(ROOT, 'examples', 'backends', spec.name, 'recipe.js')
  let b
  let recipe
  let createAuthProxy
  let createAuthRoutes
  let createProxyHandler
  let createApiClient
  let routes
  let handler
  const session = {}
  let seq = 0

  /** A proxy with the recipe config; each gets its own engine (and so its own cache). */
  function proxyFor() {
    seq += 1
    return createAuthProxy({
      ...recipe.authProxy,
      access: { protectedRoutes: ['/dashboard/**'], authRoutes: ['/login'], loginPath: '/login' },
      cache: { ttl: 60000, maxSize: 1000 + seq },
    })
  }

  async function refreshDirect(token) {
    const r = recipe.authRoutes
    const endpoint = r.endpoints?.refresh ?? 'auth/refresh'
    const field = r.refresh?.bodyField ?? 'refresh_token'
    return fetch(`${b.apiBaseUrl}/${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ [field]: token }),
    })
  }

  before(async () => {
    b = await startFrameworkBackend(spec.name)
    process.env.API_BASE_URL = b.apiBaseUrl
    recipe = require(recipeFile)
    ;({
      createAuthProxy,
      createAuthRoutes,
      createProxyHandler,
      createApiClient,
    } = require('../../index.js'))
    routes = createAuthRoutes({ ...recipe.authRoutes, csrf: false })
    handler = createProxyHandler(recipe.catchAll)
  })
  after(async () => {
    await b?.close()
  })

  test(`${spec.name}: the README recipe is the config these flows use`, () => {
    assertReadmeShows(recipeFile)
  })

  test(`${spec.name}: login sets the session cookies and answers the user`, async () => {
    const res = await routes.login(jsonPost('/api/auth/login', spec.credentials))
    const json = await res.json()
    assert.equal(res.status, 200, JSON.stringify(json))
    assert.ok(spec.isUser(json.data.user), JSON.stringify(json.data.user))
    const jar = applySetCookies({}, res)
    assert.ok(jar.userToken && jar.refreshToken, 'access and refresh cookies')
    for (const c of res.headers.getSetCookie()) assert.match(c, /HttpOnly/)
    assert.ok(!JSON.stringify(json).includes(jar.userToken), 'no token in the body')
    session.jar = jar
  })

  test(`${spec.name}: a refused login gives the backend's field errors`, async () => {
    const res = await routes.login(jsonPost('/api/auth/login', spec.badLogin.body))
    const json = await res.json()
    assert.equal(res.status, spec.badLogin.status)
    assert.equal(json.success, false)
    assert.ok(json.errors?.[spec.badLogin.field]?.length >= 1, JSON.stringify(json))
    assert.equal(typeof json.errors[spec.badLogin.field][0], 'string')
  })

  test(`${spec.name}: a protected page gets the user; me answers it`, async () => {
    const proxy = proxyFor()
    const res = await proxy(page('/dashboard', cookieHeader(session.jar)))
    assert.equal(res.headers.get('x-middleware-next'), '1')
    assert.ok(spec.isUser(await authUser(res, cookieHeader(session.jar))))
    const me = await routes.me(
      new Request(`${APP}/api/auth/me`, { headers: { cookie: cookieHeader(session.jar) } }),
    )
    assert.equal(me.status, 200)
    assert.ok(spec.isUser((await me.json()).data.user))
  })

  test(`${spec.name}: an expired access token is refreshed transparently, the refresh token rotated`, async () => {
    const expired = await b.expiredAccess(spec.who)
    const jar = { userToken: expired, refreshToken: session.jar.refreshToken }
    await b.resetCounters()
    const res = await proxyFor()(page('/dashboard', cookieHeader(jar)))
    assert.equal(res.headers.get('x-middleware-next'), '1')
    assert.ok(spec.isUser(await authUser(res, cookieHeader(jar))))
    applySetCookies(jar, res)
    assert.ok(jar.userToken && jar.userToken !== expired, 'a new access token')
    assert.ok(jar.refreshToken && jar.refreshToken !== session.jar.refreshToken, 'rotated')
    assert.equal((await b.counters()).refresh, 1)
    // the old refresh token is spent at the backend
    assert.equal((await refreshDirect(session.jar.refreshToken)).status, 401)
    session.jar = { ...session.jar, ...jar }
  })

  test(`${spec.name}: 50 concurrent requests with an expired token: 1 refresh, 0 failures`, async () => {
    const expired = await b.expiredAccess(spec.who)
    const cookie = cookieHeader({ userToken: expired, refreshToken: session.jar.refreshToken })
    const proxy = proxyFor()
    await b.resetCounters()
    const results = await Promise.all(
      Array.from({ length: 50 }, () => proxy(page('/dashboard', cookie))),
    )
    const access = new Set()
    const rotated = new Set()
    for (const [i, res] of results.entries()) {
      assert.equal(res.headers.get('x-middleware-next'), '1', `request ${i} goes on`)
      assert.ok(spec.isUser(await authUser(res, cookie)), `request ${i} has the user`)
      const jar = applySetCookies({}, res)
      access.add(jar.userToken)
      rotated.add(jar.refreshToken)
    }
    assert.equal(access.size, 1)
    assert.equal(rotated.size, 1)
    assert.equal((await b.counters()).refresh, 1, 'exactly one refresh call')
    session.jar = { ...session.jar, userToken: [...access][0], refreshToken: [...rotated][0] }
  })

  test(`${spec.name}: a visitor gets a guest token with guest rights only`, async () => {
    const proxy = proxyFor()
    const first = await proxy(page('/'))
    assert.equal(first.headers.get('x-middleware-next'), '1')
    const jar = applySetCookies({}, first)
    assert.ok(jar.guestToken, 'guest cookie set')
    const again = await proxy(page('/dashboard', cookieHeader(jar)))
    assert.equal(again.headers.get('x-middleware-next'), null, 'a guest is not let onto /dashboard')
    assert.match(again.headers.get('location') ?? '', /\/login/)
    // the catch-all carries the guest token: reads work, writes get the backend's 403 unchanged
    const read = await handler.GET(...apiCall('GET', ['posts'], { cookie: cookieHeader(jar) }))
    assert.equal(read.status, 200)
    const write = await handler.POST(
      ...apiCall('POST', ['posts'], { cookie: cookieHeader(jar), body: '{"title":"x"}' }),
    )
    assert.equal(write.status, 403)
    const direct = await fetch(`${b.apiBaseUrl}/posts${spec.name === 'django' ? '/' : ''}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jar.guestToken}`, 'content-type': 'application/json' },
      body: '{"title":"x"}',
    })
    assert.equal(await write.text(), await direct.text(), 'the 403 body passes unchanged')
    session.guest = jar
  })

  for (const [method, segments, status] of [
    ['POST', ['posts'], 201],
    ['PUT', ['posts', '1'], 200],
    ['PATCH', ['posts', '1'], 200],
    ['DELETE', ['posts', '1'], 200],
  ]) {
    test(`${spec.name}: ${method} through the catch-all arrives byte for byte`, async () => {
      const body = `{"title":"Grüße, \\"quoted\\" ✓","body":"line1\\nline2","_method":"${method}"}`
      const res = await handler[method](
        ...apiCall(method, segments, { cookie: cookieHeader(session.jar), body }),
      )
      const json = await res.json()
      assert.equal(res.status, status, JSON.stringify(json))
      const echo = spec.echoOf(json)
      assert.equal(echo.method, method)
      assert.equal(echo.raw, body)
      assert.equal(echo.contentLength, String(Buffer.byteLength(body)))
    })
  }

  test(`${spec.name}: a chunked upload arrives whole too`, async () => {
    const body = `{"title":"chunked","body":"${'é'.repeat(2000)}"}`
    const res = await handler.POST(
      ...apiCall('POST', ['posts'], { cookie: cookieHeader(session.jar), body, chunked: true }),
    )
    const json = await res.json()
    assert.equal(res.status, 201, JSON.stringify(json))
    assert.equal(spec.echoOf(json).raw, body)
  })

  test(`${spec.name}: 403, 404 and validation errors pass the catch-all and the API client unchanged`, async () => {
    const slash = spec.name === 'django' ? '/' : ''
    const user = session.jar
    const guest = session.guest
    const cases = [
      [user, 'GET', ['posts', '999'], undefined, 404],
      [user, 'POST', ['posts'], '{}', spec.invalidStatus],
      [guest, 'POST', ['posts'], '{"title":"x"}', 403],
    ]
    for (const [jar, method, segments, body, status] of cases) {
      const token = jar.userToken ?? jar.guestToken
      const api = createApiClient({
        apiBaseUrl: b.apiBaseUrl,
        getCookies: () => cookieHeader(jar),
      })
      const direct = await fetch(`${b.apiBaseUrl}/${segments.join('/')}${slash}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      })
      const directText = await direct.text()
      assert.equal(direct.status, status)
      const viaProxy = await handler[method](
        ...apiCall(method, segments, { cookie: cookieHeader(jar), body }),
      )
      assert.equal(viaProxy.status, status)
      assert.equal(await viaProxy.text(), directText)
      const endpoint = `${segments.join('/')}${slash}`
      const viaClient =
        method === 'GET' ? await api.get(endpoint) : await api.post(endpoint, JSON.parse(body))
      assert.equal(viaClient.status, status)
      assert.equal(await viaClient.text(), directText)
    }
  })

  test(`${spec.name}: server-sent events stream through the catch-all`, async () => {
    const res = await handler.GET(
      ...apiCall('GET', ['events'], { cookie: cookieHeader(session.jar) }),
    )
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type'), /^text\/event-stream/)
    const reader = res.body.getReader()
    const decoder = new TextDecoder()
    const first = decoder.decode((await reader.read()).value, { stream: true })
    // the backend waits 200 ms between events: the first read cannot hold the last one
    assert.match(first, /id: 0/)
    assert.doesNotMatch(first, /id: 2/)
    let all = first
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      all += decoder.decode(value, { stream: true })
    }
    const events = all.split('\n\n').filter((e) => e.includes('data:'))
    assert.equal(events.length, 3)
    assert.deepEqual(
      events.map((e) => JSON.parse(/data: (.*)/.exec(e)[1]).n),
      [0, 1, 2],
    )
  })

  test(`${spec.name}: logout revokes the refresh token at the backend and clears the cookies`, async () => {
    await b.resetCounters()
    const res = await routes.logout(
      new Request(`${APP}/api/auth/logout`, {
        method: 'POST',
        headers: { cookie: cookieHeader(session.jar) },
      }),
    )
    assert.equal(res.status, 200)
    const jar = applySetCookies({ ...session.jar }, res)
    assert.equal(jar.userToken, '')
    assert.equal(jar.refreshToken, '')
    assert.equal((await b.counters()).logout, 1)
    assert.equal((await refreshDirect(session.jar.refreshToken)).status, 401, 'old refresh refused')
  })

  test(`${spec.name}: backend down logs nobody out; back up, the same cookies work`, async () => {
    const login = await routes.login(jsonPost('/api/auth/login', spec.credentials))
    const jar = applySetCookies({}, login)
    const cookie = cookieHeader(jar)
    await b.stop()
    try {
      const proxy = proxyFor()
      const pageRes = await proxy(page('/', cookie))
      assert.deepEqual(pageRes.headers.getSetCookie(), [], 'no cookie deleted')
      const apiRes = await proxy(page('/api/posts', cookie))
      assert.equal(apiRes.status, 503)
      const viaCatchAll = await handler.GET(...apiCall('GET', ['posts'], { cookie }))
      assert.equal(viaCatchAll.status, 502)
      const original = console.error
      console.error = () => {}
      try {
        const me = await routes.me(new Request(`${APP}/api/auth/me`, { headers: { cookie } }))
        assert.equal(me.status, 502)
        assert.deepEqual(me.headers.getSetCookie(), [])
      } finally {
        console.error = original
      }
    } finally {
      await b.start()
    }
    const proxy = proxyFor()
    const res = await proxy(page('/dashboard', cookie))
    assert.equal(res.headers.get('x-middleware-next'), '1')
    assert.ok(spec.isUser(await authUser(res, cookie)))
    const read = await handler.GET(...apiCall('GET', ['posts'], { cookie }))
    assert.equal(read.status, 200)
  })
}

module.exports = { defineFlows, assertReadmeShows }
