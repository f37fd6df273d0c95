// HTTP checks against the Next.js 15.5 fixture under `next start` and the demo backend.
// Usage: APP_URL=... BACKEND_URL=... node check.mjs   (prints "N passed, N failed", exits 1 on failure)
const app = process.env.APP_URL
const backend = process.env.BACKEND_URL
if (!app || !backend) throw new Error('APP_URL and BACKEND_URL are required')

let passed = 0
let failed = 0
async function check(name, fn) {
  try {
    await fn()
    passed++
    console.log(`ok - ${name}`)
  } catch (err) {
    failed++
    console.log(`not ok - ${name}\n  ${err?.stack ? err.stack : err}`)
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message)
}
const get = (path, headers = {}) => fetch(app + path, { headers, redirect: 'manual' })
const cookiesOf = (res) => res.headers.getSetCookie()
const cookieValue = (res, name) => {
  const line = cookiesOf(res).find((c) => c.startsWith(`${name}=`))
  return line ? line.slice(name.length + 1).split(';')[0] : undefined
}
async function backendJson(path, body) {
  const res = await fetch(backend + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  })
  return res.json()
}
const counters = async () => (await (await fetch(`${backend}/__counters`)).json()).routes || {}

await check(
  'first visit: middleware (Node.js runtime) loads the addon and sets a guest cookie',
  async () => {
    const res = await get('/')
    assert(res.status === 200, `status ${res.status}`)
    const guest = cookiesOf(res).find((c) => c.startsWith('guestToken='))
    assert(guest, `no guestToken cookie in ${JSON.stringify(cookiesOf(res))}`)
    assert(/httponly/i.test(guest), 'guest cookie is httpOnly')
  },
)

await check('protected page without a token redirects to /login', async () => {
  const res = await get('/dashboard')
  assert(res.status >= 300 && res.status < 400, `status ${res.status}`)
  const location = res.headers.get('location') || ''
  assert(location.includes('/login'), `location ${location}`)
})

await check('with a user token the dashboard renders the user from getServerUser', async () => {
  const login = await backendJson('/auth/login', {
    email: 'demo@example.com',
    password: 'password',
  })
  const res = await get('/dashboard', { cookie: `userToken=${login.data.token}` })
  assert(res.status === 200, `status ${res.status}`)
  const html = await res.text()
  assert(html.includes('Signed in as Demo User'), 'dashboard shows Demo User')
})

await check('a forged x-auth-user header never reaches the page', async () => {
  const forged = Buffer.from(JSON.stringify({ id: 99, name: 'Mallory', type: 'user' })).toString(
    'base64',
  )
  const res = await get('/', { 'x-auth-user': forged })
  const html = await res.text()
  assert(!html.includes('Mallory'), 'forged user shown')
})

await check('an expired token is refreshed transparently, with one refresh call', async () => {
  await fetch(`${backend}/__reset`, { method: 'POST' })
  const minted = await backendJson('/__token', { sub: 1, type: 'user', ttl: -30 })
  const res = await get('/dashboard', { cookie: `userToken=${minted.data.token}` })
  assert(res.status === 200, `status ${res.status}`)
  const html = await res.text()
  assert(html.includes('Signed in as Demo User'), 'dashboard shows Demo User after refresh')
  const fresh = cookieValue(res, 'userToken')
  assert(fresh && fresh !== minted.data.token, 'a new userToken cookie is set')
  const routes = await counters()
  assert(routes['POST /auth/refresh'] === 1, `refresh calls: ${routes['POST /auth/refresh']}`)
})

await check(
  'the client entry (AuthProvider/useAuth) server-renders with the package externalized',
  async () => {
    const login = await backendJson('/auth/login', {
      email: 'demo@example.com',
      password: 'password',
    })
    const res = await get('/client-auth', { cookie: `userToken=${login.data.token}` })
    const html = await res.text()
    assert(res.status === 200, `status ${res.status}: ${html.slice(0, 300)}`)
    assert(
      html.includes('client:user:<!-- -->Demo User') || html.includes('client:user:Demo User'),
      'useAuth sees the server user',
    )
  },
)

console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
