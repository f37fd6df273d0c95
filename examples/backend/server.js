#!/usr/bin/env node
// Demo JWT backend for next-api-layer-native: plain Node (http + crypto), no dependencies.
// It stands in for the external backend (Laravel, Django, Express...) that the package fronts,
// and is used by the Rust/JS tests, the example Next.js app, its e2e tests and the demo.
//
// Env: PORT (4000; 0 = random), HOST (127.0.0.1), JWT_SECRET ('demo-secret'), ACCESS_TTL (900 s),
// GUEST_TTL (3600 s), REFRESH_TTL (604800 s), GUEST_USERNAME ('guest'), GUEST_PASSWORD
// ('guest-secret'), EXIT_ON_STDIN_CLOSE=1 (exit when the parent closes our stdin; spawn.js sets it),
// JWT_ALG ('HS256' | 'RS256' | 'ES256', default HS256): how access tokens are signed. With RS256 /
// ES256 a key pair is made at start and its public key published as a JWKS at
// /.well-known/jwks.json (Cache-Control max-age=600; an HS256 backend publishes an empty set);
// POST /__rotate makes a new signing key (new kid) and keeps the previous one in the set.
// Prints exactly one stdout line: `demo-backend listening on http://127.0.0.1:<port>`.
//
// Routes are served both at the root (`/auth/me`) and under an optional `/api` prefix
// (`/api/auth/me`), so a client may use either `http://host:port` or `http://host:port/api` as its
// base URL; /echo always reports the path exactly as received.

const http = require('node:http')
const crypto = require('node:crypto')
const zlib = require('node:zlib')

const env = process.env
const PORT = env.PORT === undefined || env.PORT === '' ? 4000 : Number(env.PORT)
const HOST = env.HOST || '127.0.0.1'
const JWT_SECRET = env.JWT_SECRET || 'demo-secret'
const JWT_ALG = env.JWT_ALG || 'HS256'
if (!['HS256', 'RS256', 'ES256'].includes(JWT_ALG)) {
  throw new Error('JWT_ALG must be HS256, RS256 or ES256')
}
const ACCESS_TTL = numEnv('ACCESS_TTL', 900)
const GUEST_TTL = numEnv('GUEST_TTL', 3600)
const REFRESH_TTL = numEnv('REFRESH_TTL', 604800)
const GUEST_USERNAME = env.GUEST_USERNAME || 'guest'
const GUEST_PASSWORD = env.GUEST_PASSWORD || 'guest-secret'
const MAX_BODY = 10 * 1024 * 1024

function numEnv(name, dflt) {
  const v = env[name]
  if (v === undefined || v === '') return dflt
  const n = Number(v)
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number`)
  return n
}

// ---------------------------------------------------------------- state

const users = new Map() // id -> { id, name, email, password, role }
let nextUserId = 1
function addUser(name, email, password, role) {
  const user = { id: nextUserId++, name, email, password, role }
  users.set(user.id, user)
  return user
}
addUser('Demo User', 'demo@example.com', 'password', 'admin')
addUser('Jane Doe', 'jane@example.com', 'password', 'user')

const refreshTokens = new Map() // refresh token -> { sub, type, accessJti, exp, used }
const accessToRefresh = new Map() // access jti -> refresh token
const usedAccess = new Set() // access jtis already used for a refresh
const revoked = new Set() // access jtis revoked by logout
const carts = new Map() // token subject -> [{ productId, qty }]
const flaky = new Map() // key -> calls so far
let faults = {}
let counters = freshCounters()

function freshCounters() {
  return {
    requests: 0,
    routes: {
      'POST /auth/login': 0,
      'POST /auth/register': 0,
      'GET /auth/me': 0,
      'POST /auth/refresh': 0,
      'POST /auth/guest': 0,
      'POST /auth/logout': 0,
      'GET /.well-known/jwks.json': 0,
    },
  }
}

const PRODUCTS = [
  { id: 1, name: 'Rust Mug', price: 12 },
  { id: 2, name: 'Ferris Plush', price: 25 },
  { id: 3, name: 'Next.js Sticker Pack', price: 5 },
  { id: 4, name: 'Mechanical Keyboard', price: 120 },
]

const POSTS = [
  {
    id: 1,
    title: 'Welcome to the demo',
    body: '<p>Hello <strong>world</strong>! This post is <em>plain, safe</em> HTML.</p>',
    author: 'Demo User',
  },
  {
    id: 2,
    title: 'A post with a script tag',
    body: '<p>Before</p><script>alert("xss-script")</script><p>After</p>',
    author: 'Mallory',
  },
  {
    id: 3,
    title: 'An image with an onerror handler',
    body: '<p>Look at this picture:</p><img src="x" onerror="alert(\'xss-img\')" alt="broken">',
    author: 'Mallory',
  },
  {
    id: 4,
    title: 'A javascript: link',
    body: '<p><a href="javascript:alert(\'xss-link\')">Click me</a> and <a href="https://example.com/">a safe link</a></p>',
    author: 'Mallory',
  },
  {
    id: 5,
    title: 'SVG onload',
    body: '<svg onload="alert(\'xss-svg\')"><circle r="4"></circle></svg><p>Text with &lt;escaped&gt; brackets.</p>',
    author: 'Jane Doe',
  },
]

// ---------------------------------------------------------------- JWT (HS256, RS256 or ES256)

const b64u = (buf) => Buffer.from(buf).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)

// Asymmetric signing keys, newest first (the previous one stays published after a rotation).
const signingKeys = []
function newSigningKey() {
  const { privateKey, publicKey } =
    JWT_ALG === 'RS256'
      ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
      : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const kid = `demo-${JWT_ALG.toLowerCase()}-${crypto.randomBytes(4).toString('hex')}`
  signingKeys.unshift({ kid, privateKey, publicKey })
  signingKeys.length = Math.min(signingKeys.length, 2)
}
if (JWT_ALG !== 'HS256') newSigningKey()

function jwks() {
  return {
    keys: signingKeys.map((k) => ({
      ...k.publicKey.export({ format: 'jwk' }),
      kid: k.kid,
      alg: JWT_ALG,
      use: 'sig',
    })),
  }
}

// ES256 signatures are r||s (IEEE P1363), as JWS wants, not DER.
const asymOpts = (key) => (JWT_ALG === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key)

function sign(claims) {
  const key = signingKeys[0]
  const head = { alg: JWT_ALG, typ: 'JWT' }
  if (key) head.kid = key.kid
  const header = b64u(JSON.stringify(head))
  const payload = b64u(JSON.stringify(claims))
  const data = `${header}.${payload}`
  const sig = key
    ? crypto.sign('sha256', Buffer.from(data), asymOpts(key.privateKey))
    : crypto.createHmac('sha256', JWT_SECRET).update(data).digest()
  return `${data}.${b64u(sig)}`
}

function signatureOk(header, data, got) {
  if (header.alg !== JWT_ALG) return false
  if (JWT_ALG === 'HS256') {
    const expected = crypto.createHmac('sha256', JWT_SECRET).update(data).digest()
    return got.length === expected.length && crypto.timingSafeEqual(got, expected)
  }
  const key = signingKeys.find((k) => k.kid === header.kid)
  return Boolean(key) && crypto.verify('sha256', Buffer.from(data), asymOpts(key.publicKey), got)
}

// Returns the claims when the signature is good (expiry is the caller's business), else null.
function verify(token) {
  if (typeof token !== 'string') return null
  const parts = token.split('.')
  if (parts.length !== 3) return null
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'))
    const got = Buffer.from(parts[2], 'base64url')
    if (!signatureOk(header, `${parts[0]}.${parts[1]}`, got)) return null
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
    if (!claims || typeof claims !== 'object') return null
    return claims
  } catch {
    return null
  }
}

// Issues an access token (+ a refresh token unless `withRefresh` is false).
function issue(sub, type, ttl, withRefresh = true) {
  const t = now()
  const exp = t + ttl
  const jti = crypto.randomUUID()
  const token = sign({ sub: String(sub), type, exp, iat: Math.min(t, exp), jti })
  const out = { token, exp, expires_in: ttl }
  if (withRefresh) {
    const rt = `rt_${crypto.randomBytes(24).toString('base64url')}`
    refreshTokens.set(rt, { sub: String(sub), type, accessJti: jti, exp: t + REFRESH_TTL })
    accessToRefresh.set(jti, rt)
    out.refresh_token = rt
  }
  return out
}

function bearer(req) {
  const h = req.headers.authorization
  if (!h) return null
  const m = /^Bearer\s+(.+)$/i.exec(h.trim())
  return m ? m[1].trim() : null
}

// The caller of an authenticated route: { claims, user? } or null.
function authenticate(req) {
  const claims = verify(bearer(req))
  if (!claims || typeof claims.exp !== 'number' || claims.exp <= now()) return null
  if (revoked.has(claims.jti)) return null
  if (claims.type === 'user') {
    const user = users.get(Number(claims.sub))
    if (!user) return null
    return { claims, user }
  }
  if (claims.type === 'guest') return { claims }
  return null
}

const publicUser = (u) => ({ id: u.id, name: u.name, email: u.email, role: u.role })

// ---------------------------------------------------------------- helpers

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(text)
}
const ok = (res, data, message, status = 200) =>
  send(res, status, message ? { success: true, data, message } : { success: true, data })
const fail = (res, status, message, errors, headers) =>
  send(
    res,
    status,
    errors ? { success: false, message, errors } : { success: false, message },
    headers,
  )
const unauthenticated = (res) => fail(res, 401, 'Unauthenticated.')
const invalid = (res, errors) => fail(res, 422, 'The given data was invalid.', errors)

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    req.on('data', (c) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(Object.assign(new Error('body too large'), { status: 413 }))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

// JSON or form-urlencoded body as an object ({} when empty or unparsable).
function parseFields(req, text) {
  const type = String(req.headers['content-type'] || '')
  if (type.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text))
  }
  if (!text.trim()) return {}
  try {
    const v = JSON.parse(text)
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {}
  } catch {
    return {}
  }
}

const str = (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v))
const intParam = (q, name, dflt, max) => {
  const n = Number.parseInt(q.get(name) ?? '', 10)
  if (!Number.isFinite(n) || n < 0) return dflt
  return Math.min(n, max)
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// ---------------------------------------------------------------- fault injection

const FAULT_GROUPS = {
  'GET /auth/me': 'me',
  'POST /auth/refresh': 'refresh',
  'POST /auth/guest': 'guest',
  'POST /auth/login': 'login',
}
const hanging = new Set()

// Applies the configured fault for this route; returns true when the request was taken over.
async function applyFault(routeKey, req, res) {
  const group = FAULT_GROUPS[routeKey]
  const f = (group && faults[group]) || faults.all
  if (!f) return false
  if (f.latencyMs > 0) await sleep(Number(f.latencyMs))
  switch (f.mode) {
    case 'down':
      req.socket.destroy()
      return true
    case 'hang':
      hanging.add(res)
      res.on('close', () => hanging.delete(res))
      return true
    case '500':
      fail(res, 500, 'Server Error')
      return true
    case 'malformed':
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"success": tru')
      return true
    case 'huge': {
      // a hostile or broken backend: a 20 MB JSON answer, streamed without a length
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"success":true,"data":{"id":1,"type":"user","pad":"')
      const chunk = 'x'.repeat(64 * 1024)
      for (let i = 0; i < 320; i++) res.write(chunk)
      res.end('"}}')
      return true
    }
    default:
      // any HTTP status, e.g. '404' (route missing), '403', '502'
      if (/^[1-5]\d\d$/.test(String(f.mode))) {
        fail(res, Number(f.mode), `Fault ${f.mode}`)
        return true
      }
      return false
  }
}

// ---------------------------------------------------------------- routes

async function route(req, res) {
  const url = new URL(req.url, 'http://backend.local')
  const method = req.method
  const rawPath = url.pathname
  const path = rawPath === '/api' ? '/' : rawPath.startsWith('/api/') ? rawPath.slice(4) : rawPath
  const q = url.searchParams

  // Test control: never counted, never faulted.
  if (path === '/__counters' && method === 'GET') {
    return send(res, 200, { success: true, ...counters, data: counters })
  }
  if (path === '/__reset' && method === 'POST') {
    counters = freshCounters()
    faults = {}
    flaky.clear()
    return ok(res, { reset: true })
  }
  if (path === '/__faults' && method === 'POST') {
    const body = parseFields(req, await readBody(req))
    for (const [k, v] of Object.entries(body)) {
      if (!['me', 'refresh', 'guest', 'login', 'all'].includes(k)) {
        return fail(res, 400, `unknown fault group "${k}"`)
      }
      if (v === null || (v && v.mode === 'ok' && !v.latencyMs)) delete faults[k]
      else faults[k] = { latencyMs: Number(v.latencyMs) || 0, mode: v.mode || 'ok' }
    }
    return ok(res, faults)
  }
  if (path === '/__token' && method === 'POST') {
    const body = parseFields(req, await readBody(req))
    const type = body.type === 'guest' ? 'guest' : 'user'
    const sub =
      body.sub !== undefined
        ? String(body.sub)
        : type === 'guest'
          ? `guest-${crypto.randomUUID()}`
          : '1'
    const ttl =
      Number.isFinite(Number(body.ttl)) && body.ttl !== undefined
        ? Number(body.ttl)
        : type === 'guest'
          ? GUEST_TTL
          : ACCESS_TTL
    const t = issue(sub, type, ttl)
    return ok(res, { token: t.token, refresh_token: t.refresh_token, exp: t.exp, expires_in: ttl })
  }

  if (path === '/__rotate' && method === 'POST') {
    if (JWT_ALG === 'HS256') return fail(res, 400, 'JWT_ALG=HS256 has no key pair to rotate')
    newSigningKey()
    return ok(res, { kid: signingKeys[0].kid })
  }

  const routeKey = routeKeyOf(method, path)
  counters.requests++
  counters.routes[routeKey] = (counters.routes[routeKey] || 0) + 1
  if (await applyFault(routeKey, req, res)) return

  const seg = path.split('/').filter(Boolean)

  if (path === '/.well-known/jwks.json' && method === 'GET') {
    return send(res, 200, jwks(), { 'cache-control': 'public, max-age=600' })
  }

  // ---- auth
  if (path === '/auth/login' && method === 'POST') {
    const b = parseFields(req, await readBody(req))
    const errors = {}
    if (!str(b.email)) errors.email = ['The email field is required.']
    if (!str(b.password)) errors.password = ['The password field is required.']
    if (Object.keys(errors).length) return invalid(res, errors)
    const user = [...users.values()].find(
      (u) => u.email.toLowerCase() === str(b.email).toLowerCase() && u.password === str(b.password),
    )
    if (!user) return invalid(res, { email: ['These credentials do not match our records.'] })
    const t = issue(user.id, 'user', ACCESS_TTL)
    return ok(
      res,
      {
        token: t.token,
        refresh_token: t.refresh_token,
        token_type: 'Bearer',
        expires_in: ACCESS_TTL,
        user: publicUser(user),
      },
      'Logged in.',
    )
  }
  if (path === '/auth/register' && method === 'POST') {
    const b = parseFields(req, await readBody(req))
    const errors = {}
    const name = str(b.name).trim()
    const email = str(b.email).trim()
    const password = str(b.password)
    if (!name) errors.name = ['The name field is required.']
    if (!email) errors.email = ['The email field is required.']
    else if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
      errors.email = ['The email field must be a valid email address.']
    else if ([...users.values()].some((u) => u.email.toLowerCase() === email.toLowerCase()))
      errors.email = ['The email has already been taken.']
    if (!password) errors.password = ['The password field is required.']
    else if (password.length < 8)
      errors.password = ['The password field must be at least 8 characters.']
    else if (password !== str(b.password_confirmation))
      errors.password = ['The password field confirmation does not match.']
    if (Object.keys(errors).length) return invalid(res, errors)
    const user = addUser(name, email, password, 'user')
    const t = issue(user.id, 'user', ACCESS_TTL)
    return send(res, 201, {
      success: true,
      message: 'Registered.',
      data: {
        token: t.token,
        refresh_token: t.refresh_token,
        token_type: 'Bearer',
        expires_in: ACCESS_TTL,
        user: publicUser(user),
      },
    })
  }
  if (path === '/auth/me' && method === 'GET') {
    const a = authenticate(req)
    if (!a) return unauthenticated(res)
    if (a.user) return ok(res, { ...publicUser(a.user), type: 'user', exp: a.claims.exp })
    return ok(res, { id: a.claims.sub, type: 'guest', exp: a.claims.exp })
  }
  if (path === '/auth/refresh' && method === 'POST') {
    const b = parseFields(req, await readBody(req))
    const rt = str(b.refresh_token || b.refreshToken)
    let sub
    let type
    if (rt) {
      // style (b): the refresh token in the body
      const rec = refreshTokens.get(rt)
      if (!rec || rec.used || rec.exp <= now() || revoked.has(rec.accessJti)) {
        return unauthenticated(res)
      }
      rec.used = true
      usedAccess.add(rec.accessJti)
      sub = rec.sub
      type = rec.type
    } else {
      // style (a): the (possibly expired) access token as Bearer
      const claims = verify(bearer(req))
      if (!claims?.jti || (claims.type !== 'user' && claims.type !== 'guest')) {
        return unauthenticated(res)
      }
      const age = now() - Number(claims.iat ?? claims.exp)
      if (!(age < REFRESH_TTL) || usedAccess.has(claims.jti) || revoked.has(claims.jti)) {
        return unauthenticated(res)
      }
      usedAccess.add(claims.jti)
      const paired = accessToRefresh.get(claims.jti)
      if (paired && refreshTokens.has(paired)) refreshTokens.get(paired).used = true
      sub = claims.sub
      type = claims.type
    }
    if (type === 'user' && !users.has(Number(sub))) return unauthenticated(res)
    const ttl = type === 'guest' ? GUEST_TTL : ACCESS_TTL
    const t = issue(sub, type, ttl)
    return ok(res, {
      token: t.token,
      refresh_token: t.refresh_token,
      token_type: 'Bearer',
      expires_in: ttl,
      exp: t.exp,
    })
  }
  if (path === '/auth/guest' && method === 'POST') {
    const b = parseFields(req, await readBody(req))
    if (str(b.username) !== GUEST_USERNAME || str(b.password) !== GUEST_PASSWORD) {
      return fail(res, 401, 'Invalid guest credentials.')
    }
    const t = issue(`guest-${crypto.randomUUID()}`, 'guest', GUEST_TTL, false)
    return ok(res, { token: t.token, token_type: 'Bearer', expires_in: GUEST_TTL, exp: t.exp })
  }
  if (path === '/auth/logout' && method === 'POST') {
    const claims = verify(bearer(req))
    if (!claims?.jti) return unauthenticated(res)
    revoked.add(claims.jti)
    const rt = accessToRefresh.get(claims.jti)
    if (rt && refreshTokens.has(rt)) refreshTokens.get(rt).used = true
    return send(res, 200, { success: true, message: 'Logged out.' })
  }

  // ---- data
  if (path === '/posts' && method === 'GET') return ok(res, POSTS)
  if (seg[0] === 'posts' && seg.length === 2 && method === 'GET') {
    const post = POSTS.find((p) => String(p.id) === seg[1])
    return post ? ok(res, post) : fail(res, 404, 'Post not found.')
  }
  if (path === '/products' && method === 'GET') return ok(res, PRODUCTS)
  if (path === '/profile' && ['GET', 'PUT', 'PATCH', 'POST'].includes(method)) {
    const a = authenticate(req)
    if (!a) return unauthenticated(res)
    if (!a.user) return fail(res, 403, 'This action is unauthorized.')
    if (method === 'GET') return ok(res, publicUser(a.user))
    const b = parseFields(req, await readBody(req))
    const name = str(b.name).trim()
    if (!name) return invalid(res, { name: ['The name field is required.'] })
    a.user.name = name
    return ok(res, publicUser(a.user), 'Profile updated.')
  }
  if (path === '/cart' && (method === 'GET' || method === 'POST')) {
    const a = authenticate(req)
    if (!a) return unauthenticated(res)
    const sub = `${a.claims.type}:${a.claims.sub}`
    const items = carts.get(sub) || []
    if (method === 'POST') {
      const b = parseFields(req, await readBody(req))
      const productId = Number(b.productId)
      const qty = b.qty === undefined ? 1 : Number(b.qty)
      const errors = {}
      if (!PRODUCTS.some((p) => p.id === productId))
        errors.productId = ['The selected product is invalid.']
      if (!Number.isInteger(qty) || qty < 1) errors.qty = ['The qty field must be at least 1.']
      if (Object.keys(errors).length) return invalid(res, errors)
      const line = items.find((i) => i.productId === productId)
      if (line) line.qty += qty
      else items.push({ productId, qty })
      carts.set(sub, items)
    }
    const detailed = items.map((i) => ({
      ...i,
      product: PRODUCTS.find((p) => p.id === i.productId),
    }))
    const total = detailed.reduce((s, i) => s + i.qty * i.product.price, 0)
    return ok(res, {
      owner: a.claims.type,
      items: detailed,
      count: items.reduce((s, i) => s + i.qty, 0),
      total,
    })
  }

  // ---- streaming and odd responses
  if (path === '/events' && method === 'GET') {
    const count = intParam(q, 'count', 5, 10000)
    const interval = intParam(q, 'interval', 500, 60000)
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    res.flushHeaders()
    let i = 0
    const tick = () => {
      if (res.destroyed) return
      i++
      res.write(`data: ${JSON.stringify({ n: i })}\n\n`)
      if (i >= count) res.end()
      else setTimeout(tick, interval)
    }
    if (count === 0) res.end()
    else setTimeout(tick, interval === 0 ? 0 : Math.min(interval, 50))
    return
  }
  if (path === '/download' && method === 'GET') {
    const total = intParam(q, 'bytes', 1024, 8 * 1024 * 1024 * 1024)
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': total,
      'cache-control': 'no-store',
    })
    return streamPattern(res, total)
  }
  if (path === '/upload' && (method === 'POST' || method === 'PUT')) {
    const hash = crypto.createHash('sha256')
    let bytes = 0
    req.on('data', (c) => {
      bytes += c.length
      hash.update(c)
    })
    req.on('end', () => ok(res, { bytes, sha256: hash.digest('hex') }))
    return
  }
  if (path === '/gzip' && method === 'GET') {
    const gz = zlib.gzipSync(
      JSON.stringify({ success: true, data: { compressed: true, posts: POSTS.slice(0, 2) } }),
    )
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-encoding': 'gzip',
      'content-length': gz.length,
    })
    return res.end(gz)
  }
  if (seg[0] === 'echo') {
    const body = await readBody(req)
    return ok(res, { method, path: rawPath, query: url.search, headers: req.headers, body })
  }
  if (path === '/slow' && method === 'GET') {
    const ms = intParam(q, 'ms', 1000, 600000)
    await sleep(ms)
    return ok(res, { waited: ms })
  }
  if (seg[0] === 'status' && seg.length === 2) {
    const code = Number.parseInt(seg[1], 10)
    if (!(code >= 200 && code <= 599)) return fail(res, 400, 'status must be 200..599')
    if (code === 204 || code === 304) {
      res.writeHead(code)
      return res.end()
    }
    return send(res, code, {
      success: code < 400,
      message: http.STATUS_CODES[code] || 'Status',
      status: code,
    })
  }
  if (path === '/flaky' && method === 'GET') {
    const key = q.get('key') || 'default'
    const failN = intParam(q, 'fail', 1, 1000000)
    const n = (flaky.get(key) || 0) + 1
    flaky.set(key, n)
    if (n <= failN) {
      const ra = q.get('retryAfter')
      return fail(res, 503, 'Service Unavailable', undefined, ra ? { 'retry-after': ra } : {})
    }
    return ok(res, { key, attempt: n })
  }
  if (path === '/rate-limited') {
    return fail(res, 429, 'Too Many Attempts.', undefined, { 'retry-after': '1' })
  }
  if (path === '/validation' && method === 'POST') {
    await readBody(req)
    return invalid(res, {
      email: ['The email field is required.'],
      name: ['The name field must be at least 3 characters.'],
    })
  }
  if (path === '/big' && method === 'GET') {
    const mb = Math.min(Number(q.get('mb')) > 0 ? Number(q.get('mb')) : 1, 512)
    return sendBig(res, mb)
  }
  if (path === '/deep' && method === 'GET') {
    const depth = intParam(q, 'depth', 10, 1000000)
    const text = `{"success":true,"data":${'['.repeat(depth)}${']'.repeat(depth)}}`
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    })
    return res.end(text)
  }
  if (path === '/' && method === 'GET') return ok(res, { name: 'demo-backend' })
  return fail(res, 404, 'Not Found.')
}

function routeKeyOf(method, path) {
  const seg = path.split('/').filter(Boolean)
  if (seg[0] === 'posts' && seg.length === 2) return `${method} /posts/:id`
  if (seg[0] === 'status' && seg.length === 2) return `${method} /status/:code`
  if (seg[0] === 'echo' && seg.length > 1) return `${method} /echo/**`
  return `${method} ${path}`
}

// Deterministic bytes: byte i of the body is i % 251. Written in 64 KiB chunks, respecting
// backpressure so the backend's memory stays flat too.
const CHUNK = 64 * 1024
const PATTERN = Buffer.alloc(CHUNK + 251)
for (let i = 0; i < PATTERN.length; i++) PATTERN[i] = i % 251
function streamPattern(res, total) {
  let sent = 0
  const pump = () => {
    while (sent < total) {
      if (res.destroyed) return
      const n = Math.min(CHUNK, total - sent)
      const start = sent % 251
      const chunk = PATTERN.subarray(start, start + n)
      sent += n
      if (!res.write(chunk)) {
        res.once('drain', pump)
        return
      }
    }
    res.end()
  }
  pump()
}

function sendBig(res, mb) {
  const target = Math.floor(mb * 1024 * 1024)
  const filler = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(16)
  const parts = []
  let size = 0
  for (let id = 1; size < target; id++) {
    const s = JSON.stringify({
      id,
      title: `Post ${id}`,
      body: `<p>${filler}</p>`,
      author: 'Demo User',
    })
    parts.push(s)
    size += s.length + 1
  }
  const text = `{"success":true,"data":[${parts.join(',')}]}`
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

// ---------------------------------------------------------------- server

const server = http.createServer((req, res) => {
  route(req, res).catch((err) => {
    if (res.headersSent) {
      res.destroy()
      return
    }
    const status = err.status || 500
    if (status === 500) process.stderr.write(`demo-backend error: ${err.stack || err}\n`)
    fail(res, status, status === 413 ? 'Payload Too Large.' : 'Server Error')
  })
})
server.keepAliveTimeout = 5000

// Prune spent refresh-token records now and then so a long test run stays small.
setInterval(() => {
  const t = now()
  for (const [rt, rec] of refreshTokens) {
    if (rec.exp <= t) {
      refreshTokens.delete(rt)
      accessToRefresh.delete(rec.accessJti)
    }
  }
}, 60000).unref()

server.listen(PORT, HOST, () => {
  const { port } = server.address()
  process.stdout.write(`demo-backend listening on http://${HOST}:${port}\n`)
})

function shutdown() {
  for (const res of hanging) res.destroy()
  server.close(() => process.exit(0))
  server.closeAllConnections?.()
  setTimeout(() => process.exit(0), 500).unref()
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
if (env.EXIT_ON_STDIN_CLOSE === '1') {
  process.stdin.on('end', shutdown)
  process.stdin.on('error', shutdown)
  process.stdin.resume()
}
