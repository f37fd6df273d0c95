// Several app instances (separate processes, one native engine each) sharing state on a real
// redis-server: one refresh per token family, exact rate limits, revocation everywhere, and
// the configured fallback when Redis dies (and recovery when it returns).

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { startBackend } = require('../examples/backend/spawn.js')
const { startRedis } = require('./helpers/redis.js')
const { startInstances } = require('./helpers/instances.js')

let backend
let redis
const running = []

before(async () => {
  backend = await startBackend()
  redis = await startRedis()
})
after(async () => {
  for (const i of running) i.stop()
  await redis?.stop()
  await backend?.stop()
})

let seq = 0
function config(extra = {}) {
  seq += 1
  return {
    apiBaseUrl: backend.url,
    access: { protectedRoutes: ['/dashboard/**', '/api/profile/**'] },
    cache: { ttl: 60000, maxSize: 1000 },
    store: { url: redis.url, keyPrefix: `t${seq}:`, timeoutMs: 200 },
    ...extra,
  }
}

async function instances(n, cfg) {
  const list = await startInstances(n, cfg)
  running.push(...list)
  return list
}

function facts(path, { cookie, ip = '203.0.113.7' } = {}) {
  return { method: 'GET', path, cookie, userAgent: 'node-test', ip }
}

function header(d, name) {
  const h = d.requestHeaders ?? []
  for (let i = 0; i < h.length; i += 2) if (h[i] === name) return h[i + 1]
  return undefined
}

async function login(email = 'demo@example.com') {
  const res = await fetch(`${backend.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'password' }),
  })
  return (await res.json()).data
}

async function sumStats(list) {
  const all = await Promise.all(list.map((i) => i.stats()))
  const sum = (f) => all.reduce((a, s) => a + f(s), 0)
  return { all, sum }
}

test('100 concurrent requests with one expired token over 3 instances: 1 refresh call, 0 failures', async () => {
  const cfg = config()
  const list = await instances(3, cfg)
  const { token } = await backend.mint({ sub: '1', type: 'user', ttl: -30 })
  await backend.reset()
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      list[i % 3].decide(facts('/dashboard', { cookie: `userToken=${token}` })),
    ),
  )
  const fresh = new Set()
  for (const [i, { decision: d }] of results.entries()) {
    assert.equal(d.kind, 'next', `request ${i} goes on: ${JSON.stringify(d)}`)
    const t = header(d, 'x-refreshed-token')
    assert.ok(t && t !== token, `request ${i} carries the new token`)
    fresh.add(t)
  }
  assert.equal(fresh.size, 1, 'all instances hand out the same successor')
  assert.equal(await backend.count('POST /auth/refresh'), 1, 'exactly one refresh call')
  const { sum } = await sumStats(list)
  assert.equal(
    sum((s) => s.backendRefreshCalls),
    1,
  )
  assert.equal(
    sum((s) => s.store.refreshLed),
    1,
  )
  assert.equal(
    sum((s) => s.store.refreshShared),
    2,
    'the other two instances got it from Redis',
  )

  // A late arrival with the old token, on an instance that never saw it: the successor,
  // without a backend refresh (the rotating backend would refuse a second one).
  const [late] = await instances(1, cfg)
  const { decision: d } = await late.decide(facts('/dashboard', { cookie: `userToken=${token}` }))
  assert.equal(d.kind, 'next', JSON.stringify(d))
  assert.equal(header(d, 'x-refreshed-token'), [...fresh][0])
  assert.equal(await backend.count('POST /auth/refresh'), 1, 'still one refresh call')
})

test('in-process state only (no store): 3 instances refresh the same token on their own', async () => {
  const { store, ...cfg } = config()
  void store
  const list = await instances(3, cfg)
  const { token } = await backend.mint({ sub: '1', type: 'user', ttl: -30 })
  await backend.reset()
  const results = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      list[i % 3].decide(facts('/dashboard', { cookie: `userToken=${token}` })),
    ),
  )
  const refused = results.filter((r) => r.decision.kind !== 'next').length
  // The baseline the store fixes: one refresh per instance, the rotating backend refuses the
  // later ones, and those users are sent to the login page.
  assert.equal(await backend.count('POST /auth/refresh'), 3)
  assert.ok(refused >= 10, `${refused} of 30 requests lost their session`)
  for (const i of list) i.stop()
})

test('a limit of 30/min over 3 instances: exactly 30 allowed, the same headers', async () => {
  const list = await instances(3, config({ rateLimit: { windowMs: 60000, maxRequests: 30 } }))
  const results = await Promise.all(
    Array.from({ length: 90 }, (_, i) => list[i % 3].decide(facts('/about'))),
  )
  const allowed = results.filter((r) => r.decision.status !== 429)
  const denied = results.filter((r) => r.decision.status === 429)
  assert.equal(allowed.length, 30, 'exactly the limit, whatever instance answered')
  assert.equal(denied.length, 60)
  const h = (d, n) => {
    const r = d.responseHeaders ?? []
    for (let i = 0; i < r.length; i += 2) if (r[i] === n) return r[i + 1]
  }
  const remaining = allowed.map((r) => Number(h(r.decision, 'x-ratelimit-remaining')))
  assert.deepEqual(
    remaining.sort((a, b) => a - b),
    Array.from({ length: 30 }, (_, i) => i),
    'remaining counts down 29..0 across instances',
  )
  for (const r of denied) {
    assert.equal(h(r.decision, 'x-ratelimit-limit'), '30')
    assert.ok(Number(h(r.decision, 'retry-after')) >= 1)
    assert.match(h(r.decision, 'ratelimit'), /^"default";r=0;t=\d+$/)
  }
  // A refused client is answered by the local deny cache of an instance that refused it.
  const { sum } = await sumStats(list)
  const before = sum((s) => s.store.rateChecks)
  const blocked = list[results.findIndex((r) => r.decision.status === 429) % 3]
  const again = await blocked.decide(facts('/about'))
  assert.equal(again.decision.status, 429)
  const after = await sumStats(list)
  assert.equal(
    after.sum((s) => s.store.rateChecks),
    before,
    'no round trip for a blocked client',
  )
  assert.ok(after.sum((s) => s.store.rateDenyCacheHits) >= 1)
  for (const i of list) i.stop()
})

test('logout on one instance: the token is refused on the others (and on a new one)', async (t) => {
  const cfg = config()
  const list = await instances(3, cfg)
  const { token } = await login()
  const cookie = `userToken=${token}`
  for (const i of list) {
    const { decision: d } = await i.decide(facts('/dashboard', { cookie }))
    assert.equal(d.kind, 'next', 'valid and cached (60 s) on every instance')
  }
  await list[0].revoke(token)
  const t0 = Date.now()
  for (const i of list.slice(1)) {
    // Polled until refused: the bound is only there so a broken listener fails the test.
    let d
    while (Date.now() - t0 < 5000) {
      d = (await i.decide(facts('/dashboard', { cookie }))).decision
      if (d.kind !== 'next') break
      await new Promise((r) => setTimeout(r, 5))
    }
    assert.equal(d.kind, 'redirect', 'refused: sent to the login page')
  }
  t.diagnostic(`revocation visible on the other instances after ${Date.now() - t0} ms`)
  const [fresh] = await instances(1, cfg)
  const { decision: d } = await fresh.decide(facts('/dashboard', { cookie }))
  assert.equal(d.kind, 'redirect', 'an instance that started later refuses it too')
  const { sum } = await sumStats([...list, fresh])
  assert.equal(
    sum((s) => s.store.revocationsPublished),
    1,
  )
  assert.ok(sum((s) => s.store.revocationsReceived) >= 2)
  // The backend was never told: the refusal is the shared list's doing.
  const me = await fetch(`${backend.url}/auth/me`, {
    headers: { authorization: `Bearer ${token}` },
  })
  assert.equal(me.status, 200)
  for (const i of [...list, fresh]) i.stop()
})

test('Redis killed mid-run: local falls back, closed answers 503, both recover when it is back', async (t) => {
  const rate = { windowMs: 60000, maxRequests: 1000 }
  const local = await instances(2, config({ rateLimit: rate }))
  const closedCfg = config({ rateLimit: rate })
  closedCfg.store.onUnavailable = 'closed'
  const [closed] = await instances(1, closedCfg)
  for (const i of [...local, closed]) {
    assert.notEqual((await i.decide(facts('/about'))).decision.status, 503)
  }
  await redis.kill()
  const { token } = await backend.mint({ sub: '1', type: 'user', ttl: -30 })
  const calls = []
  for (let n = 0; n < 20; n++) {
    calls.push(local[n % 2].decide(facts('/about', { ip: `198.51.100.${n}` })))
  }
  calls.push(local[0].decide(facts('/dashboard', { cookie: `userToken=${token}` })))
  const answers = await Promise.all(calls)
  const slowest = Math.max(...answers.map((a) => a.ms))
  for (const a of answers.slice(0, 20)) assert.equal(a.decision.kind, 'next', JSON.stringify(a))
  assert.equal(answers[20].decision.kind, 'next', 'the refresh ran locally')
  assert.ok(header(answers[20].decision, 'x-refreshed-token'))
  const c = await closed.decide(facts('/about'))
  assert.equal(c.decision.status, 503)
  assert.match(c.decision.body, /ERR_STORE_UNAVAILABLE/)
  t.diagnostic(`slowest request during the outage: ${slowest.toFixed(1)} ms (timeoutMs 200)`)
  for (const i of local) {
    const s = (await i.stats()).store
    assert.equal(s.up, false)
    assert.equal(s.outages, 1, 'one outage, logged once')
    assert.ok(s.fallbacks >= 1)
  }
  const logs = local[0]
    .log()
    .split('\n')
    .filter((l) => l.includes('Redis unavailable'))
  assert.equal(logs.length, 1, `logged once per outage: ${logs.join('\n')}`)
  assert.equal((await closed.stats()).store.refused >= 1, true)

  await redis.start()
  // Back: checks reach Redis again (the breaker probes every 250 ms).
  for (const i of [...local, closed]) {
    const before = (await i.stats()).store.rateChecks
    const t0 = Date.now()
    let s
    while (Date.now() - t0 < 10000) {
      const d = (await i.decide(facts('/about'))).decision
      s = (await i.stats()).store
      if (s.up && s.rateChecks > before) {
        assert.notEqual(d.status, 503)
        break
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    assert.ok(s.up && s.rateChecks > before, `recovered: ${JSON.stringify(s)}`)
  }
  assert.match(local[0].log(), /Redis reachable again/)
  for (const i of [...local, closed]) i.stop()
})

test('Redis frozen (slow, not dead): requests wait at most timeoutMs, then fall back', async (t) => {
  const cfg = config({ rateLimit: { windowMs: 60000, maxRequests: 1000 } })
  const list = await instances(2, cfg)
  for (const i of list) await i.decide(facts('/about'))
  redis.freeze()
  let answers
  try {
    const { token } = await backend.mint({ sub: '1', type: 'user', ttl: -30 })
    answers = await Promise.all([
      ...Array.from({ length: 10 }, (_, n) =>
        list[n % 2].decide(facts('/about', { ip: `192.0.2.${n}` })),
      ),
      list[1].decide(facts('/dashboard', { cookie: `userToken=${token}` })),
    ])
  } finally {
    redis.resume()
  }
  for (const a of answers) assert.equal(a.decision.kind, 'next', JSON.stringify(a.decision))
  assert.ok(header(answers[10].decision, 'x-refreshed-token'), 'refreshed locally')
  const slowest = Math.max(...answers.map((a) => a.ms))
  t.diagnostic(`slowest request while Redis was frozen: ${slowest.toFixed(1)} ms (timeoutMs 200)`)
  for (const i of list) assert.ok((await i.stats()).store.fallbacks >= 1)
  // Thawed: back to shared state.
  for (const i of list) {
    const t0 = Date.now()
    let s
    while (Date.now() - t0 < 10000) {
      await i.decide(facts('/about'))
      s = (await i.stats()).store
      if (s.up) break
      await new Promise((r) => setTimeout(r, 50))
    }
    assert.ok(s.up, JSON.stringify(s))
  }
  for (const i of list) i.stop()
})

test('store option: errors name the option and never echo the URL; refresh.store gives way', async () => {
  const { createAuthProxy } = require('../index.js')
  const { assertConfigErrors } = require('./helpers/config.js')
  const { captureErrors } = require('./helpers/server.js')
  assertConfigErrors(
    (store) => createAuthProxy({ apiBaseUrl: backend.url, store }),
    [
      ['redis://x', /^store must be an object/],
      [{}, /^store\.url/],
      [{ url: 'http://:hunter2@x' }, /^store\.url is not a valid redis/],
      [{ url: 'redis://x', onUnavailable: 'open' }, /^store\.onUnavailable/],
      [{ url: 'redis://x', timeoutMs: 0 }, /^store\.timeoutMs/],
      [{ url: 'redis://x', keyPrefix: 'has space' }, /^store\.keyPrefix/],
    ],
  )
  assert.throws(
    () => createAuthProxy({ apiBaseUrl: backend.url, store: { url: 'http://:hunter2@x' } }),
    (e) => !e.message.includes('hunter2'),
  )
  const warned = []
  const original = console.warn
  console.warn = (...a) => warned.push(a.join(' '))
  try {
    await captureErrors(async () => {
      createAuthProxy({
        apiBaseUrl: backend.url,
        store: { url: redis.url, keyPrefix: 'w:' },
        refresh: { store: { get: async () => null, set: async () => {} } },
      })
    })
  } finally {
    console.warn = original
  }
  assert.ok(
    warned.some((l) => /native `store` \(Redis\) coordinates refreshes/.test(l)),
    warned.join('\n'),
  )
})
