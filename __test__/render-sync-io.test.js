// What a server component's render calls (createApiClient, getServerUser) never reads the clock
// or randomness itself. Under Cache Components, Next.js counts `Date.now()`, `new Date()`,
// `Date()`, `Math.random()` and node/web crypto's random draws made during a render as sync IO
// and reports the route ("encountered the unstable value ... while prerendering"). Here the same
// calls are trapped as Next.js traps them, and a call counts when the frame that made it is
// this package's own code (js/, binding.js): undici's or Node's internals are not ours to fix.
// Real requests against the demo backend process, for every path a page can take: public and
// authenticated GETs, a missing token, request ids, debug logging with timings, a retry on a
// Retry-After date, throwOnError, getServerUser behind the proxy and on its own.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const nodeCrypto = require('node:crypto')
const path = require('node:path')
const { NextRequest } = require('next/server')
const { startBackend } = require('../examples/backend/spawn.js')
const { loginAt } = require('./helpers/next-proxy.js')
const { createApiClient } = require('../js/api/api-client.js')
const { createAuthProxy } = require('../index.js')
const { getServerUser } = require('../server.js')

const ROOT = path.resolve(__dirname, '..')
const OURS = [path.join(ROOT, 'js') + path.sep, path.join(ROOT, 'binding.js')]

let backend
let token

before(async () => {
  backend = await startBackend()
  token = (await loginAt(backend.url, 'demo@example.com')).token
})
after(async () => {
  await backend?.stop()
})

/** The file of the frame that called the trapped function (under: callerFile, note, the trap). */
function callerFile() {
  const lines = new Error().stack.split('\n').slice(4)
  const m = lines[0]?.match(/\(?((?:\/|[A-Z]:\\)[^:)]+):\d+:\d+\)?$/)
  return m ? m[1] : ''
}

/**
 * Runs `fn` with the clock and randomness trapped as Next.js traps them during a render; returns
 * what this package's own code read (`[{ what, file }]`).
 */
async function trapped(fn) {
  const seen = []
  const note = (what) => {
    const file = callerFile()
    if (OURS.some((p) => file.startsWith(p))) seen.push({ what, file: path.relative(ROOT, file) })
  }
  const RealDate = Date
  const trapDate = function (...args) {
    if (new.target === undefined) {
      note('Date()')
      return RealDate()
    }
    if (args.length === 0) note('new Date()')
    return Reflect.construct(RealDate, args, new.target)
  }
  Object.setPrototypeOf(trapDate, RealDate)
  trapDate.prototype = RealDate.prototype
  trapDate.now = () => {
    note('Date.now()')
    return RealDate.now()
  }
  const saved = [
    [globalThis, 'Date', trapDate],
    [Math, 'random', trap('Math.random()', Math.random)],
    [nodeCrypto, 'randomUUID', trap('crypto.randomUUID()', nodeCrypto.randomUUID)],
    [nodeCrypto, 'randomBytes', trap('crypto.randomBytes()', nodeCrypto.randomBytes)],
    [
      globalThis.crypto,
      'randomUUID',
      trap('crypto.randomUUID()', globalThis.crypto.randomUUID.bind(globalThis.crypto)),
    ],
    [
      globalThis.crypto,
      'getRandomValues',
      trap('getRandomValues()', globalThis.crypto.getRandomValues.bind(globalThis.crypto)),
    ],
  ].map(([obj, key, value]) => {
    const old = Object.getOwnPropertyDescriptor(obj, key)
    Object.defineProperty(obj, key, { value, configurable: true, writable: true })
    return [obj, key, old]
  })
  function trap(what, real) {
    return function (...args) {
      note(what)
      return real.apply(this, args)
    }
  }
  try {
    await fn()
  } finally {
    for (const [obj, key, old] of saved.reverse()) {
      if (old) Object.defineProperty(obj, key, old)
      else delete obj[key] // it was the prototype's
    }
  }
  return seen
}

/** Asserts that `fn` ran without this package reading the clock or randomness. */
async function assertNoSyncIo(label, fn) {
  let result
  const seen = await trapped(async () => {
    result = await fn()
  })
  assert.deepEqual(seen, [], `${label}: read during a render`)
  return result
}

const client = (extra = {}, cookie = `userToken=${token}`) =>
  createApiClient({ apiBaseUrl: backend.url, getCookies: () => cookie, ...extra })

test('the trap sees this package read the clock (the test can fail)', async () => {
  // the check itself: a module of ours that reads Date.now() is caught, a foreign one is not
  const ours = require('../js/shared/clock.js')
  const seen = await trapped(async () => {
    ours.wallNow()
    Date.now()
    new Function('return Date.now()')()
  })
  assert.deepEqual(seen, [])
  const probe = path.join(ROOT, 'js', 'shared', '__probe__.js')
  const Module = require('node:module')
  const m = new Module(probe)
  m.filename = probe
  m._compile('module.exports = () => [Date.now(), new Date(), Math.random()]', probe)
  const caught = await trapped(async () => m.exports())
  assert.deepEqual(
    caught.map((c) => c.what),
    ['Date.now()', 'new Date()', 'Math.random()'],
  )
})

test('createApiClient: public and authenticated GETs, request ids, debug timings', async () => {
  const logs = []
  const api = client({
    requestId: true,
    debug: { enabled: true, logTiming: true, logger: (m, d) => logs.push([m, d]) },
    auth: { publicEndpoints: ['posts'] },
  })
  const posts = await assertNoSyncIo('public GET', () => api.get('posts'))
  assert.equal(posts.success, true)
  const me = await assertNoSyncIo('authenticated GET', () => api.get('auth/me'))
  assert.equal(me.data.email, 'demo@example.com')
  const sent = logs.find(([m]) => m.startsWith('→ GET auth/me'))?.[1]
  assert.match(
    sent.requestId,
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  )
  const timing = logs.find(([m]) => m.startsWith('✓ GET auth/me'))?.[1]
  assert.ok(Number.isInteger(timing.durationMs) && timing.durationMs >= 0, 'a duration')
})

test('createApiClient: the default console logger stamps its lines without reading Date', async () => {
  const lines = []
  const log = console.log
  console.log = (...args) => lines.push(args.join(' '))
  try {
    const api = client({ debug: { enabled: true, logTiming: true } })
    await assertNoSyncIo('console logger', () => api.get('auth/me'))
  } finally {
    console.log = log
  }
  const stamp = lines[0]?.match(/^\[next-api-layer\] (\S+) /)?.[1]
  assert.ok(stamp, lines[0])
  assert.ok(Math.abs(Date.parse(stamp) - Date.now()) < 60_000, `a current time: ${stamp}`)
})

test('createApiClient: a missing token and a thrown error carry a current timestamp', async () => {
  const api = client({}, '')
  const r = await assertNoSyncIo('no token', () => api.get('auth/me'))
  assert.equal(r.status, 401)
  assert.ok(Math.abs(r.error.timestamp.getTime() - Date.now()) < 60_000)
  const thrower = client({ throwOnError: true })
  const err = await assertNoSyncIo('throwOnError', () =>
    thrower.get('status/404').then(
      () => assert.fail('no throw'),
      (e) => e,
    ),
  )
  assert.equal(err.status, 404)
  assert.ok(err.timestamp instanceof Date)
})

test('createApiClient: a retry after a Retry-After date', async () => {
  const logs = []
  const api = client({
    retry: { enabled: true, maxAttempts: 2, backoffMs: 5 },
    debug: { enabled: true, logger: (m) => logs.push(m) },
  })
  // an HTTP date one second ahead: waited for in full (at least 0 s after rounding)
  const at = new Date(Date.now() + 1000).toUTCString()
  const r = await assertNoSyncIo('retry', () =>
    api.get('flaky', { params: { key: `date-${Date.now()}`, fail: 1, retryAfter: at } }),
  )
  assert.equal(r.success, true)
  assert.equal(r.attempts, 2)
  assert.ok(
    logs.some((m) => /retry 2\/2 in (1000|2000|0)ms/.test(m)),
    logs.join('\n'),
  )
})

test('getServerUser: behind the proxy and on its own', async () => {
  const proxy = createAuthProxy({ apiBaseUrl: backend.url, cache: { maxSize: 4321 } })
  const req = () =>
    new NextRequest('http://app.test/dashboard', { headers: { cookie: `userToken=${token}` } })
  await proxy(req())
  const behind = await assertNoSyncIo('behind the proxy', () => getServerUser({ request: req() }))
  assert.equal(behind.user?.email, 'demo@example.com')
  const again = await assertNoSyncIo('from the memo', () => getServerUser({ request: req() }))
  assert.equal(again.user?.email, 'demo@example.com')
  const alone = await assertNoSyncIo('with its own backend call', () =>
    getServerUser({ request: req(), apiBaseUrl: backend.url, userHeader: false }),
  )
  assert.equal(alone.user?.email, 'demo@example.com')
})
