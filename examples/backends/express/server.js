// An Express + jsonwebtoken backend with an access/refresh pair, in the style most Express JWT
// tutorials end up with: `{ success, data: { token, refresh_token, user } }` envelopes, refresh
// tokens rotated on use and revoked on logout, express-validator 422s, a guest token endpoint, a
// posts resource echoing what it received, and server-sent events.
//
//   PORT=4000 node examples/backends/express/server.js
//
// Users: ada@example.com / correct-horse-9. Test controls (only with BACKEND_TEST_CONTROLS=1):
// GET/DELETE /test/counters, POST /test/expired-access { email }.

const crypto = require('node:crypto')
const express = require('express')
const jwt = require('jsonwebtoken')
const { body, validationResult } = require('express-validator')

const SECRET = process.env.JWT_SECRET || 'example-only-secret-change-me-0123456789abcdef'
const ACCESS_TTL = Number(process.env.ACCESS_TTL || 300)
const REFRESH_TTL = 24 * 3600
const users = [{ id: 1, email: 'ada@example.com', name: 'Ada', password: 'correct-horse-9' }]
/** Live refresh tokens by id (jti): rotated on refresh, deleted on logout. */
const refreshTokens = new Map()
const counters = {}
const count = (name) => {
  counters[name] = (counters[name] ?? 0) + 1
}

function issue(user) {
  const now = Math.floor(Date.now() / 1000)
  const token = jwt.sign({ sub: String(user.id), type: 'user' }, SECRET, { expiresIn: ACCESS_TTL })
  const jti = crypto.randomUUID()
  const refresh_token = jwt.sign({ sub: String(user.id), kind: 'refresh', jti }, SECRET, {
    expiresIn: REFRESH_TTL,
  })
  refreshTokens.set(jti, user.id)
  return {
    token,
    token_expires_at: new Date((now + ACCESS_TTL) * 1000).toISOString(),
    expires_in: ACCESS_TTL,
    refresh_token,
    refresh_token_expires_at: new Date((now + REFRESH_TTL) * 1000).toISOString(),
    user: publicUser(user),
  }
}

function publicUser(u) {
  return { id: u.id, email: u.email, name: u.name }
}

const fail = (res, status, message) => res.status(status).json({ success: false, message })

/** `req.auth` = the verified access-token claims; 401 otherwise. */
function authenticate(req, res, next) {
  const m = /^Bearer (.+)$/.exec(req.get('authorization') || '')
  if (!m) return fail(res, 401, 'Unauthenticated.')
  try {
    req.auth = jwt.verify(m[1], SECRET)
    if (req.auth.kind === 'refresh') throw new Error('refresh token used as access token')
    return next()
  } catch {
    return fail(res, 401, 'Invalid or expired token.')
  }
}

const userOnly = (req, res, next) =>
  req.auth.type === 'user' ? next() : fail(res, 403, 'Guests cannot do this.')

const validated = (req, res, next) => {
  const result = validationResult(req)
  return result.isEmpty() ? next() : res.status(422).json({ errors: result.array() })
}

const app = express()
app.disable('x-powered-by')
// keep the raw bytes: the echo answers what arrived, byte for byte
app.use(express.json({ verify: (req, _res, buf) => (req.rawBody = buf.toString('utf8')) }))

app.post(
  '/auth/login',
  body('email').isEmail().withMessage('Enter a valid email address.'),
  body('password').notEmpty().withMessage('The password is required.'),
  validated,
  (req, res) => {
    count('login')
    const user = users.find((u) => u.email === req.body.email)
    if (!user || user.password !== req.body.password) return fail(res, 401, 'Invalid credentials.')
    res.json({ success: true, message: 'Logged in.', data: issue(user) })
  },
)

app.post(
  '/auth/register',
  body('email')
    .isEmail()
    .withMessage('Enter a valid email address.')
    .custom((email) => !users.some((u) => u.email === email))
    .withMessage('This email is already registered.'),
  body('password').isLength({ min: 8 }).withMessage('At least 8 characters.'),
  body('name').notEmpty().withMessage('The name is required.'),
  validated,
  (req, res) => {
    const user = { id: users.length + 1, ...req.body }
    users.push(user)
    res.status(201).json({ success: true, message: 'Registered.', data: issue(user) })
  },
)

app.post('/auth/refresh', (req, res) => {
  count('refresh')
  let claims
  try {
    claims = jwt.verify(String(req.body?.refresh_token ?? ''), SECRET)
  } catch {
    return fail(res, 401, 'Invalid refresh token.')
  }
  // rotation: each refresh token works once
  if (claims.kind !== 'refresh' || !refreshTokens.delete(claims.jti)) {
    return fail(res, 401, 'Refresh token revoked.')
  }
  const user = users.find((u) => String(u.id) === claims.sub)
  res.json({ success: true, data: issue(user) })
})

app.post('/auth/logout', (req, res) => {
  count('logout')
  try {
    const claims = jwt.verify(String(req.body?.refresh_token ?? ''), SECRET)
    refreshTokens.delete(claims.jti)
  } catch {}
  res.json({ success: true, message: 'Logged out.' })
})

app.post('/auth/guest', (_req, res) => {
  count('guest')
  const token = jwt.sign({ sub: 'guest', type: 'guest' }, SECRET, { expiresIn: 3600 })
  res.json({ success: true, data: { token, expires_in: 3600 } })
})

app.get('/auth/me', authenticate, (req, res) => {
  count('me')
  const user =
    req.auth.type === 'guest'
      ? { id: null, name: 'Guest' }
      : publicUser(users.find((u) => String(u.id) === req.auth.sub))
  res.json({ success: true, data: { ...user, type: req.auth.type, exp: req.auth.exp } })
})

function echo(req, res, status, extra = {}) {
  res.status(status).json({
    success: true,
    data: {
      method: req.method,
      contentLength: req.get('content-length') ?? null,
      raw: req.rawBody ?? '',
      body: req.body ?? null,
      user: req.auth.sub,
      ...extra,
    },
  })
}

app.get('/posts', authenticate, (_req, res) => {
  res.json({ success: true, data: [{ id: 1, title: '<b>Hello</b> <script>x()</script>' }] })
})
app.post(
  '/posts',
  authenticate,
  userOnly,
  body('title').isString().notEmpty().withMessage('The title is required.'),
  validated,
  (req, res) => echo(req, res, 201),
)
app.all('/posts/:id', authenticate, (req, res, next) =>
  req.params.id === '1' ? next() : fail(res, 404, 'Post not found.'),
)
app.get('/posts/:id', (_req, res) => res.json({ success: true, data: { id: 1, title: 'Hello' } }))
app.put('/posts/:id', userOnly, (req, res) => echo(req, res, 200, { id: 1 }))
app.patch('/posts/:id', userOnly, (req, res) => echo(req, res, 200, { id: 1 }))
app.delete('/posts/:id', userOnly, (req, res) => echo(req, res, 200, { id: 1 }))

app.get('/events', authenticate, (req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  let n = 0
  const tick = () => {
    res.write(`id: ${n}\nevent: tick\ndata: ${JSON.stringify({ n, user: req.auth.sub })}\n\n`)
    n += 1
    if (n === 3) return res.end()
    timer = setTimeout(tick, 200)
  }
  let timer = setTimeout(tick, 0)
  req.on('close', () => clearTimeout(timer))
})

if (process.env.BACKEND_TEST_CONTROLS === '1') {
  app.get('/test/counters', (_req, res) => res.json(counters))
  app.delete('/test/counters', (_req, res) => {
    for (const k of Object.keys(counters)) delete counters[k]
    res.json(counters)
  })
  app.post('/test/expired-access', (req, res) => {
    const user = users.find((u) => u.email === req.body.email)
    const past = Math.floor(Date.now() / 1000) - 60
    const token = jwt.sign({ sub: String(user.id), type: 'user', exp: past }, SECRET)
    res.json({ token })
  })
}

const server = app.listen(Number(process.env.PORT ?? 4000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address()
  console.log(`express-backend listening on http://${address}:${port}`)
})
// started by a test: go away with the test process
if (process.env.EXIT_ON_STDIN_CLOSE === '1') {
  process.stdin.on('end', () => process.exit(0))
  process.stdin.on('close', () => process.exit(0))
  process.stdin.resume()
}
