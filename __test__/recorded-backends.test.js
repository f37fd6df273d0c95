// The Laravel (tymon/jwt-auth) and ASP.NET Core recipes cannot run against their frameworks here
// (no PHP, no .NET): they are checked against recorded response shapes only. A throwaway HTTP
// server answers exactly what those frameworks answer (bodies as they document and send them),
// and the README recipe (examples/backends/<name>/recipe.js) runs login, field errors, a page
// with the user, expiry + refresh, 404 pass-through and logout against it.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const path = require('node:path')
const { NextRequest } = require('next/server')
const { createAuthProxy, createAuthRoutes, createProxyHandler } = require('../index.js')
const { assertReadmeShows } = require('./helpers/backend-flows.js')
const { downstreamUser } = require('./helpers/next-proxy.js')

const ROOT = path.join(__dirname, '..')
const APP = 'http://app.test'
const ADA = { email: 'ada@example.com', password: 'correct-horse-9' }

/** Issued tokens: token -> { live, user }; refresh tokens -> live. */
function tokenBook() {
  let n = 0
  const access = new Map()
  const refresh = new Map()
  return {
    access,
    refresh,
    issue(prefix) {
      n += 1
      const token = `${prefix}-acc-${n}`
      access.set(token, { live: true })
      const r = `${prefix}-ref-${n}`
      refresh.set(r, true)
      return { token, refresh: r }
    },
    bearer(req) {
      const m = /^Bearer (.+)$/.exec(req.headers.authorization || '')
      return m ? m[1] : null
    },
  }
}

const RECORDED = {
  laravel: {
    prefix: '/api',
    // tymon/jwt-auth's AuthController (the package's documented quick start) and Laravel 11
    answer(book, req, body, calls) {
      const bearer = book.bearer(req)
      const user = {
        id: 1,
        name: 'Ada',
        email: 'ada@example.com',
        email_verified_at: null,
        created_at: '2025-01-01T00:00:00.000000Z',
        updated_at: '2025-01-01T00:00:00.000000Z',
      }
      switch (`${req.method} ${req.url}`) {
        case 'POST /api/auth/login':
          if (!body.password) {
            return [
              422,
              {
                message: 'The password field is required.',
                errors: { password: ['The password field is required.'] },
              },
            ]
          }
          if (body.password !== ADA.password) return [401, { error: 'Unauthorized' }]
          return [
            200,
            { access_token: book.issue('L').token, token_type: 'bearer', expires_in: 3600 },
          ]
        case 'GET /api/auth/me':
          return book.access.get(bearer)?.live
            ? [200, user]
            : [401, { message: 'Unauthenticated.' }]
        case 'POST /api/auth/refresh': {
          // refreshes an expired token (refresh_ttl) once; the old one is blacklisted
          const t = book.access.get(bearer)
          if (!t || t.blacklisted) return [401, { message: 'The token has been blacklisted' }]
          t.blacklisted = true
          t.live = false
          return [
            200,
            { access_token: book.issue('L').token, token_type: 'bearer', expires_in: 3600 },
          ]
        }
        case 'POST /api/auth/logout': {
          calls.push({ logout: { bearer, body } })
          const t = book.access.get(bearer)
          if (t) Object.assign(t, { live: false, blacklisted: true })
          return [200, { message: 'Successfully logged out' }]
        }
        case 'GET /api/posts/999':
          return [404, { message: 'No query results for model [App\\Models\\Post] 999' }]
        default:
          return [404, { message: 'Not Found' }]
      }
    },
    loginBody: { email: ADA.email, password: ADA.password },
    badLogin: { body: { email: ADA.email }, status: 422, field: 'password' },
    wrongLogin: { status: 401, message: 'Unauthorized' },
    isUser: (u) => u?.email === 'ada@example.com' && u.name === 'Ada',
    hasRefreshCookie: false,
  },
  aspnet: {
    prefix: '/api',
    // ASP.NET Core 8: ValidationProblemDetails from [ApiController], ProblemDetails from
    // Results.Problem, JwtBearer's bare 401, a typical account controller with refresh tokens
    answer(book, req, body, calls) {
      const bearer = book.bearer(req)
      const pair = () => {
        const p = book.issue('N')
        return { accessToken: p.token, refreshToken: p.refresh, expiresIn: 900 }
      }
      switch (`${req.method} ${req.url}`) {
        case 'POST /api/account/login':
          if (!body.password) {
            return [
              400,
              {
                type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
                title: 'One or more validation errors occurred.',
                status: 400,
                errors: { Password: ['The Password field is required.'] },
                traceId: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00',
              },
            ]
          }
          if (body.password !== ADA.password) {
            return [
              401,
              {
                type: 'https://tools.ietf.org/html/rfc9110#section-15.5.2',
                title: 'Unauthorized',
                status: 401,
                detail: 'Invalid email or password.',
              },
            ]
          }
          return [200, pair()]
        case 'GET /api/account/me':
          return book.access.get(bearer)?.live
            ? [
                200,
                {
                  id: '8e445865-a24d-4543-a6c6-9443d048cdb9',
                  userName: 'ada',
                  email: ADA.email,
                  roles: ['User'],
                },
              ]
            : [401, null]
        case 'POST /api/account/refresh':
          if (!book.refresh.get(body.refreshToken)) {
            return [401, { title: 'Unauthorized', status: 401, detail: 'Invalid refresh token.' }]
          }
          book.refresh.set(body.refreshToken, false)
          return [200, pair()]
        case 'POST /api/account/logout':
          calls.push({ logout: { bearer, body } })
          book.refresh.set(body.refreshToken, false)
          return [204, null]
        case 'GET /api/posts/999':
          return [
            404,
            {
              type: 'https://tools.ietf.org/html/rfc9110#section-15.5.5',
              title: 'Not Found',
              status: 404,
            },
          ]
        default:
          return [404, null]
      }
    },
    loginBody: { email: ADA.email, password: ADA.password },
    badLogin: { body: { email: ADA.email }, status: 400, field: 'Password' },
    wrongLogin: { status: 401, message: 'Invalid email or password.' },
    isUser: (u) => u?.userName === 'ada' && u.email === ADA.email,
    hasRefreshCookie: true,
  },
}

function cookiesOf(res, jar = {}) {
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(';')[0]
    const i = pair.indexOf('=')
    jar[pair.slice(0, i)] = /Max-Age=0\b/i.test(line) ? '' : pair.slice(i + 1)
  }
  return jar
}
const cookieHeader = (jar) =>
  Object.entries(jar)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ')

function post(pathname, body, cookie) {
  return new Request(`${APP}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  })
}

let seq = 0
for (const [name, spec] of Object.entries(RECORDED)) {
  const recipeFile = path.join(ROOT, 'examples', 'backends', name, 'recipe.js')
  const book = tokenBook()
  const calls = []
  let server
  let apiBaseUrl
  let recipe

  before(async () => {
    server = http.createServer((req, res) => {
      let raw = ''
      req.on('data', (c) => {
        raw += c
      })
      req.on('end', () => {
        const [status, body] = spec.answer(book, req, raw ? JSON.parse(raw) : {}, calls)
        if (body === null) {
          res.writeHead(status)
          return res.end()
        }
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(body))
      })
    })
    await new Promise((r) => server.listen(0, '127.0.0.1', r))
    apiBaseUrl = `http://127.0.0.1:${server.address().port}${spec.prefix}`
    process.env.API_BASE_URL = apiBaseUrl
    delete require.cache[require.resolve(recipeFile)]
    recipe = require(recipeFile)
  })
  after(async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  })

  test(`${name} (recorded shapes): the README shows this recipe`, () => {
    assertReadmeShows(recipeFile)
  })

  test(`${name} (recorded shapes): login, field errors, page, expiry + refresh, 404, logout`, async () => {
    const routes = createAuthRoutes({ ...recipe.authRoutes, csrf: false })
    seq += 1
    const proxy = createAuthProxy({
      ...recipe.authProxy,
      access: { protectedRoutes: ['/dashboard/**'] },
      cache: { ttl: 60000, maxSize: 500 + seq },
    })
    const handler = createProxyHandler(recipe.catchAll)

    // login: cookies set, the user fetched from me
    const login = await routes.login(post('/api/auth/login', spec.loginBody))
    const json = await login.json()
    assert.equal(login.status, 200, JSON.stringify(json))
    assert.ok(spec.isUser(json.data.user), JSON.stringify(json.data.user))
    const jar = cookiesOf(login)
    assert.ok(jar.userToken)
    assert.equal(Boolean(jar.refreshToken), spec.hasRefreshCookie)

    // field errors and the backend's message
    const bad = await routes.login(post('/api/auth/login', spec.badLogin.body))
    const badJson = await bad.json()
    assert.equal(bad.status, spec.badLogin.status)
    assert.ok(badJson.errors[spec.badLogin.field][0].length > 0, JSON.stringify(badJson))
    const wrong = await routes.login(post('/api/auth/login', { ...spec.loginBody, password: 'no' }))
    assert.equal(wrong.status, spec.wrongLogin.status)
    assert.equal((await wrong.json()).message, spec.wrongLogin.message)

    // a protected page gets the user object as the backend sends it (not nested)
    const pageReq = (cookie) =>
      new NextRequest(`${APP}/dashboard`, { headers: { cookie, 'user-agent': 'node-test' } })
    const pageRequest = pageReq(cookieHeader(jar))
    const page = await proxy(pageRequest)
    assert.equal(page.headers.get('x-middleware-next'), '1')
    assert.ok(spec.isUser(await downstreamUser(pageRequest, page)))

    // the access token expires at the backend: the next page refreshes transparently
    book.access.get(jar.userToken).live = false
    const before = { ...jar }
    seq += 1
    const fresh = createAuthProxy({
      ...recipe.authProxy,
      access: { protectedRoutes: ['/dashboard/**'] },
      cache: { ttl: 60000, maxSize: 500 + seq },
    })
    const refreshRequest = pageReq(cookieHeader(jar))
    const refreshed = await fresh(refreshRequest)
    assert.equal(refreshed.headers.get('x-middleware-next'), '1')
    assert.ok(spec.isUser(await downstreamUser(refreshRequest, refreshed)))
    cookiesOf(refreshed, jar)
    assert.notEqual(jar.userToken, before.userToken)
    if (spec.hasRefreshCookie) assert.notEqual(jar.refreshToken, before.refreshToken, 'rotated')

    // a 404 passes the catch-all unchanged
    const missing = await handler.GET(
      new NextRequest(`${APP}/api/posts/999`, { headers: { cookie: cookieHeader(jar) } }),
      { params: Promise.resolve({ path: ['posts', '999'] }) },
    )
    assert.equal(missing.status, 404)
    const [, recorded] = spec.answer(
      book,
      { method: 'GET', url: '/api/posts/999', headers: {} },
      {},
      [],
    )
    assert.equal(await missing.text(), JSON.stringify(recorded))

    // logout: what the backend needs to revoke, cookies cleared
    const out = await routes.logout(
      new Request(`${APP}/api/auth/logout`, {
        method: 'POST',
        headers: { cookie: cookieHeader(jar) },
      }),
    )
    assert.equal(out.status, 200)
    const last = calls.at(-1).logout
    assert.equal(last.bearer, jar.userToken)
    if (spec.hasRefreshCookie) assert.deepEqual(last.body, { refreshToken: jar.refreshToken })
    const cleared = cookiesOf(out, { ...jar })
    assert.equal(cleared.userToken, '')
    // revoked at the backend: Laravel blacklists the access token, ASP.NET the refresh token
    if (spec.hasRefreshCookie) {
      const again = await fetch(`${apiBaseUrl}/account/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: jar.refreshToken }),
      })
      assert.equal(again.status, 401, 'the refresh token is refused after logout')
    } else {
      seq += 1
      const after = await createAuthProxy({
        ...recipe.authProxy,
        access: { protectedRoutes: ['/dashboard/**'] },
        cache: { ttl: 60000, maxSize: 500 + seq },
      })(pageReq(cookieHeader(jar)))
      assert.equal(after.headers.get('x-middleware-next'), null, 'the revoked token is refused')
    }
  })
}
