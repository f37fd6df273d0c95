// Issue 12 figures: backend calls per bad token, RSS after 8 concurrent 20 MB answers, and
// off-site redirects among the return-to variants. Usage: node figures.js <package root>
// (the root whose index.js / addon is measured). One backend per run, loopback only.
const root = require('node:path').resolve(process.argv[2] || `${__dirname}/..`)
const { NextRequest } = require('next/server')
// the backend of this checkout (it has the 'huge' fault mode), whichever package is measured
const { startBackend } = require('../examples/backend/spawn.js')
const { createAuthProxy } = require(`${root}/index.js`)
const table = require('../tests/fixtures/return-to.json')

let seq = 0
const proxyFor = (url, extra = {}) =>
  createAuthProxy({
    apiBaseUrl: url,
    access: { protectedRoutes: ['/dashboard/**', '/api/profile/**'], authRoutes: ['/login'] },
    cache: { ttl: 60000, maxSize: 5000 + ++seq },
    ...extra,
  })
const req = (path, headers = {}) =>
  new NextRequest(new URL(path, 'https://app.test'), {
    headers: { 'user-agent': 'flood', 'x-forwarded-for': '203.0.113.9', ...headers },
  })

async function main() {
  const backend = await startBackend()
  const out = {}
  try {
    const guest = { enabled: true, credentials: { username: 'guest', password: 'guest-secret' } }
    const h = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')
    const exp = Math.floor(Date.now() / 1000) + 3600
    const setups = [
      ['opaque', {}],
      ['jwt', {}],
      ['opaque, tokenFormat jwt', { tokenFormat: 'jwt' }],
      ['opaque, refresh cookie style', { refresh: { style: 'cookie' } }],
    ]
    for (const [kind, extra] of setups) {
      const proxy = proxyFor(backend.url, { guestToken: guest, ...extra })
      await backend.reset()
      const n = 200
      for (let i = 0; i < n; i++) {
        const tok =
          kind !== 'jwt'
            ? `rnd${Math.random().toString(36).slice(2)}${i}`
            : `${h}.${Buffer.from(JSON.stringify({ sub: `${i}`, exp })).toString('base64url')}.x${i}`
        await proxy(req('/', { cookie: `userToken=${tok}` }))
      }
      const r = (await backend.counters()).routes
      const me = r['GET /auth/me'] || 0
      const rf = r['POST /auth/refresh'] || 0
      const g = r['POST /auth/guest'] || 0
      out[`calls per bad ${kind} token (validate+refresh+guest)`] =
        `${((me + rf + g) / n).toFixed(2)} (${me}+${rf}+${g} for ${n})`
    }
    // 8 concurrent 20 MB /auth/me answers
    {
      await backend.reset()
      const tokens = []
      for (let i = 0; i < 8; i++) tokens.push((await backend.mint({ sub: '1' })).token)
      const proxy = proxyFor(backend.url)
      await proxy(req('/')) // warm up
      global.gc?.()
      const before = process.memoryUsage().rss
      let peak = before
      const t = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss)
      }, 5)
      await backend.faults({ me: { mode: 'huge' } })
      const res = await Promise.all(
        tokens.map((tk) => proxy(req('/api/profile', { cookie: `userToken=${tk}` }))),
      )
      clearInterval(t)
      peak = Math.max(peak, process.memoryUsage().rss)
      await backend.faults({ me: null })
      out['8 concurrent 20 MB answers: statuses'] = [...new Set(res.map((r) => r.status))].join(',')
      out['RSS before / peak (MB)'] =
        `${(before / 2 ** 20).toFixed(0)} / ${(peak / 2 ** 20).toFixed(0)}`
    }
    // return-to variants through the proxy, signed in
    {
      const proxy = proxyFor(backend.url)
      const login = await (
        await fetch(`${backend.url}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'demo@example.com', password: 'password' }),
        })
      ).json()
      let tried = 0
      let offsite = 0
      const bad = []
      for (const c of table.cases) {
        if ('origin' in c) continue
        const q = new URLSearchParams({ returnTo: c.input }).toString()
        const r = await proxy(
          new NextRequest(`https://app.test/login?${q}`, {
            headers: {
              cookie: `userToken=${login.data.token}`,
              host: 'app.test',
              origin: 'https://app.test',
            },
          }),
        )
        tried++
        const loc = r.headers.get('location') || ''
        // what the browser follows: Next.js relativizes a same-origin Location to
        // path+query (so `https://app.test//evil.com` is sent as `//evil.com`), then the
        // browser resolves it against the page
        const abs = new URL(loc, 'https://app.test/login')
        const sent = abs.origin === 'https://app.test' ? abs.pathname + abs.search + abs.hash : loc
        const followed = new URL(sent, 'https://app.test/login')
        if (followed.origin !== 'https://app.test') {
          offsite++
          bad.push(`${c.input} -> ${loc}`)
        }
      }
      out['return-to variants tried / off-site'] = `${tried} / ${offsite}`
      if (bad.length) out['off-site examples'] = bad.slice(0, 6)
    }
  } finally {
    await backend.stop()
  }
  console.log(JSON.stringify(out, null, 1))
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
