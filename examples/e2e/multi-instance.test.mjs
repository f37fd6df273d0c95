// Three `next start` instances of the example app (one build) behind a tiny round-robin
// proxy, sharing state on a real redis-server (`REDIS_URL` turns on the app's `store`): one
// backend refresh for a storm spread over the instances, and a logout on one instance refused
// by the others at once. Every process listens on 127.0.0.1 and is stopped by PID.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import http from 'node:http'
import { createRequire } from 'node:module'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { APP_DIR, backend, ROOT } from './helpers.mjs'

const require = createRequire(import.meta.url)
const { startRedis, freePort } = require(path.join(ROOT, '__test__/helpers/redis.js'))

let redis
let rr
const apps = []

async function startApp(redisUrl) {
  const port = await freePort()
  const child = spawn(
    process.execPath,
    ['node_modules/next/dist/bin/next', 'start', '-H', '127.0.0.1', '-p', String(port)],
    {
      cwd: APP_DIR,
      env: { ...process.env, API_BASE_URL: backend.url, REDIS_URL: redisUrl },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    },
  )
  let log = ''
  child.stderr.on('data', (c) => {
    log += c
  })
  const url = `http://127.0.0.1:${port}`
  const app = { url, child, log: () => log }
  apps.push(app)
  for (let i = 0; i < 300; i++) {
    try {
      await fetch(`${url}/login`, { redirect: 'manual' })
      return app
    } catch {}
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`next start did not come up at ${url}: ${log}`)
}

/** Round-robin over the instances, one request each in turn, bodies streamed. */
function roundRobin(targets) {
  let next = 0
  const server = http.createServer((req, res) => {
    const target = new URL(targets[next++ % targets.length])
    const up = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode, r.headers)
        r.pipe(res)
      },
    )
    up.on('error', () => {
      res.writeHead(502)
      res.end()
    })
    req.pipe(up)
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${server.address().port}` }),
    ),
  )
}

before(async () => {
  redis = await startRedis()
  for (let i = 0; i < 3; i++) await startApp(redis.url)
  rr = await roundRobin(apps.map((a) => a.url))
})
after(async () => {
  rr?.server.close()
  for (const a of apps) {
    try {
      process.kill(-a.child.pid, 'SIGTERM')
    } catch {}
  }
  await redis?.stop()
})

const page = (base, p, token) =>
  fetch(base + p, { headers: { cookie: `userToken=${token}` }, redirect: 'manual' })

test('30 concurrent page loads with one expired token over 3 instances: 1 refresh, all signed in', async () => {
  const { token } = await backend.mint({ sub: '1', ttl: -30 })
  await backend.reset()
  const res = await Promise.all(Array.from({ length: 30 }, () => page(rr.url, '/dashboard', token)))
  const statuses = res.map((r) => r.status)
  assert.deepEqual(
    statuses,
    Array(30).fill(200),
    `every request stays signed in: ${statuses.join(',')}`,
  )
  const fresh = new Set(
    res.map(
      (r) =>
        r.headers
          .getSetCookie()
          .find((c) => c.startsWith('userToken='))
          ?.split(';')[0],
    ),
  )
  assert.equal(fresh.size, 1, 'the same successor from every instance')
  assert.equal(await backend.count('POST /auth/refresh'), 1, 'exactly one backend refresh')
})

test('logout through one instance: the others refuse the token at once', async () => {
  const { token } = await backend.login()
  for (const a of apps) {
    assert.equal((await page(a.url, '/dashboard', token)).status, 200, 'signed in everywhere')
  }
  const out = await fetch(`${apps[0].url}/api/auth/logout`, {
    method: 'POST',
    headers: {
      cookie: `userToken=${token}`,
      origin: apps[0].url,
      'sec-fetch-site': 'same-origin',
      'content-type': 'application/json',
    },
    body: '{}',
  })
  assert.equal(out.status, 200, await out.text())
  for (const a of apps.slice(1)) {
    const r = await page(a.url, '/dashboard', token)
    assert.ok(r.status >= 300 && r.status < 400, `sent to the login page (${r.status})`)
    assert.match(r.headers.get('location'), /\/login/)
  }
})
