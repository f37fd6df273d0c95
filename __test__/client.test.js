// The client entry: loads without the addon or any server module, and AuthProvider/useAuth work
// (server rendering with react-dom/server; login/logout in jsdom against the real auth routes
// served over HTTP in front of the demo backend).

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { withServer } = require('./helpers/server.js')
const http = require('node:http')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')

test('the client entry never loads the native addon or a server module (require and import)', () => {
  // A fresh process that refuses to load anything native or server-side and lists every file
  // it did load.
  const script = `
    const Module = require('node:module')
    const path = require('node:path')
    const root = ${JSON.stringify(ROOT + path.sep)}
    // Own files: only the client entry and js/client/*; anything native is refused anywhere.
    const forbidden = (f) =>
      f.endsWith('.node') ||
      /binding\\.js$/.test(f) ||
      (f.startsWith(root) && !f.includes('node_modules') &&
        !/^(client\\.js|client\\.mjs|js[\\\\/]client[\\\\/][^\\\\/]+\\.js)$/.test(f.slice(root.length)))
    const origLoad = Module._load
    const seen = []
    Module._load = function (request, parent, isMain) {
      const file = Module._resolveFilename(request, parent, isMain)
      seen.push(file)
      if (forbidden(file)) {
        throw new Error('client entry loaded a forbidden module: ' + file)
      }
      return origLoad.apply(this, arguments)
    }
    ;(async () => {
      const cjs = require(${JSON.stringify(path.join(ROOT, 'client.js'))})
      const esm = await import(${JSON.stringify(`file://${path.join(ROOT, 'client.mjs')}`)})
      if (cjs.AuthProvider !== esm.AuthProvider) throw new Error('import and require differ')
      const own = seen.filter((f) => f.startsWith(${JSON.stringify(ROOT)}) && !f.includes('node_modules'))
      const deps = [...new Set(seen.filter((f) => f.includes('node_modules')).map((f) => f.split('node_modules/')[1].split('/')[0]))]
      console.log(JSON.stringify({ own, deps, names: Object.keys(esm) }))
    })().catch((e) => { console.error(e.message); process.exit(1) })
  `
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))
  const own = out.own.map((f) => path.relative(ROOT, f)).sort()
  assert.deepEqual(own, [
    'client.js',
    'js/client/core.js',
    'js/client/csrf.js',
    'js/client/index.js',
    'js/client/return-to.js',
  ])
  for (const dep of out.deps) {
    assert.ok(
      ['react', 'swr', 'use-sync-external-store', 'dequal'].includes(dep),
      `dependency ${dep}`,
    )
  }
  for (const name of [
    'AuthProvider',
    'useAuth',
    'getCsrfToken',
    'csrfFetch',
    'resolveReturnTo',
    'safeReturnTo',
    'returnToFrom',
  ]) {
    assert.ok(out.names.includes(name), name)
  }
})

test("the client files start with 'use client' and mention no native or server module", () => {
  const fs = require('node:fs')
  // Every module each client file may load. js/client/node.js (the "node" export condition)
  // additionally names exactly one module by constant: Next.js's vendored SSR React.
  const allowed = {
    'client.js': ['./js/client/index.js'],
    'client.mjs': ['./js/client/index.js'],
    'js/client/index.js': ['react', 'swr', './core', './return-to'],
    'js/client/browser.mjs': ['react', 'swr', './core.js', './return-to.js'],
    'js/client/core.js': ['./csrf'],
    'js/client/csrf.js': [],
    'js/client/return-to.js': [],
    'js/client/node.js': ['node:path', './core.js', './index.js', './return-to.js'],
  }
  for (const [f, ok] of Object.entries(allowed)) {
    const text = fs.readFileSync(path.join(ROOT, f), 'utf8')
    assert.match(text, /^'use client'/, f)
    const requires = [...text.matchAll(/(?:require(?:\.resolve)?\(|from\s+)'([^']+)'/g)].map(
      (m) => m[1],
    )
    for (const r of requires) assert.ok(ok.includes(r), `${f} imports ${r}`)
    // No dynamic import() and no require of anything but a literal, except the one vendored
    // React in client-node.js (resolved from a constant, checked below).
    assert.doesNotMatch(text, /\bimport\(/, f)
    const dynamic = [...text.matchAll(/require(?:\.resolve)?\(([^'),][^),]*)/g)].map((m) => m[1])
    if (f === 'js/client/node.js') {
      assert.deepEqual(dynamic, ['VENDORED_SSR_REACT', 'file'])
      const consts = [...text.matchAll(/'(next\/[^']+)'/g)].map((m) => m[1])
      assert.deepEqual(consts, ['next/dist/server/route-modules/app-page/vendored/ssr/react'])
    } else {
      assert.deepEqual(dynamic, [], f)
    }
  }
  // The package's export conditions: browser bundles get the ESM browser entry, Node (and so
  // Next.js's server, where the package is external) the "node" entry.
  const exp = require('../package.json').exports['./client']
  assert.deepEqual(Object.keys(exp), ['types', 'browser', 'node', 'import', 'require'])
  assert.equal(exp.browser, './js/client/browser.mjs')
  assert.equal(exp.node, './js/client/node.js')
})

test('the browser entry exports what the Node entries export', async () => {
  // Import it in Node (it is plain ESM over react and swr) and compare the names.
  const browser = await import(`file://${path.join(ROOT, 'js/client/browser.mjs')}`)
  const cjs = require('../client.js')
  assert.deepEqual(Object.keys(browser).sort(), Object.keys(cjs).sort())
  // Its own instance (it is never loaded beside the CommonJS one in one bundle); the shared,
  // React-free parts are the same objects.
  assert.notEqual(browser.AuthProvider, cjs.AuthProvider)
  assert.equal(browser.AuthError, cjs.AuthError)
  assert.equal(browser.csrfFetch, cjs.csrfFetch)
})

const React = require('react')
const { renderToString } = require('react-dom/server')
const client = require('../client.js')

function Probe({ onState }) {
  const auth = client.useAuth()
  onState?.(auth)
  return React.createElement(
    'pre',
    null,
    JSON.stringify({
      user: auth.user,
      isLoading: auth.isLoading,
      isAuthenticated: auth.isAuthenticated,
      isGuest: auth.isGuest,
    }),
  )
}

function ssr(props) {
  const html = renderToString(
    React.createElement(client.AuthProvider, props, React.createElement(Probe)),
  )
  const m = /<pre>(.*)<\/pre>/.exec(html)
  return JSON.parse(m[1].replace(/&quot;/g, '"').replace(/&amp;/g, '&'))
}

test('server render: initialUser gives the first paint without a fetch', () => {
  const user = { id: 1, name: 'Demo User', type: 'user' }
  assert.deepEqual(ssr({ initialUser: user }), {
    user,
    isLoading: false,
    isAuthenticated: true,
    isGuest: false,
  })
  assert.deepEqual(ssr({ initialUser: { id: 'guest-1', type: 'guest' } }), {
    user: { id: 'guest-1', type: 'guest' },
    isLoading: false,
    isAuthenticated: false,
    isGuest: true,
  })
  assert.deepEqual(ssr({ initialUser: null }), {
    user: null,
    isLoading: false,
    isAuthenticated: false,
    isGuest: false,
  })
})

test('useAuth outside AuthProvider throws a clear error', () => {
  assert.throws(
    () => renderToString(React.createElement(Probe)),
    /useAuth\(\) must be used inside <AuthProvider>/,
  )
})

test('CSRF helper reads the cookie and adds the header to unsafe requests only', () => {
  const cookies = 'a=1; __csrf=abc.def%3D; b=2'
  assert.equal(client.getCsrfToken('__csrf', cookies), 'abc.def=')
  assert.equal(client.getCsrfToken('__csrf', 'a=1'), null)
  assert.deepEqual(client.csrfHeaders({ cookieString: cookies }), { 'x-csrf-token': 'abc.def=' })
  const post = client.withCsrf({ method: 'post' }, { cookieString: cookies })
  assert.equal(post.headers.get('x-csrf-token'), 'abc.def=')
  const get = client.withCsrf({ method: 'GET' }, { cookieString: cookies })
  assert.equal(get.headers, undefined)
  assert.equal(client.CSRF_COOKIE, '__csrf')
  assert.equal(client.CSRF_HEADER, 'x-csrf-token')
})

// ---- in a DOM, against the real auth routes over HTTP ----

let backend
let server
let origin

before(async () => {
  const { startBackend } = require('../examples/backend/spawn.js')
  const { createAuthRoutes } = require('../js/routes/auth-routes.js')
  backend = await startBackend()
  const auth = createAuthRoutes({ apiBaseUrl: backend.url })
  // A minimal Node server that mounts the auth routes like app/api/auth/[action]/route.ts.
  server = http.createServer(async (req, res) => {
    const chunks = []
    for await (const c of req) chunks.push(c)
    const url = `http://${req.headers.host}${req.url}`
    const body = chunks.length ? Buffer.concat(chunks) : undefined
    const request = new Request(url, { method: req.method, headers: req.headers, body })
    const action = new URL(url).pathname.split('/').pop()
    const response = await auth.handler(request, { params: Promise.resolve({ action }) })
    const headers = {}
    response.headers.forEach((v, k) => {
      if (k !== 'set-cookie') headers[k] = v
    })
    headers['set-cookie'] = response.headers.getSetCookie()
    res.writeHead(response.status, headers)
    res.end(Buffer.from(await response.arrayBuffer()))
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  origin = `http://127.0.0.1:${server.address().port}`
})

after(async () => {
  await new Promise((r) => (server ? server.close(r) : r()))
  await backend?.stop()
})

/**
 * Runs `fn({ render, waitFor })` with jsdom installed as the global window/document; `render`
 * mounts an AuthProvider with `props` around a Probe that reports every state to `onState`.
 */
async function inDom(url, fn) {
  const { JSDOM } = require('jsdom')
  const dom = new JSDOM('<!doctype html><div id="root"></div>', { url })
  const saved = {}
  for (const k of ['window', 'document', 'navigator', 'IS_REACT_ACT_ENVIRONMENT']) {
    saved[k] = Object.getOwnPropertyDescriptor(globalThis, k)
  }
  Object.defineProperty(globalThis, 'window', {
    value: dom.window,
    configurable: true,
    writable: true,
  })
  Object.defineProperty(globalThis, 'document', {
    value: dom.window.document,
    configurable: true,
    writable: true,
  })
  Object.defineProperty(globalThis, 'navigator', {
    value: dom.window.navigator,
    configurable: true,
    writable: true,
  })
  globalThis.IS_REACT_ACT_ENVIRONMENT = true
  const { createRoot } = require('react-dom/client')
  const root = createRoot(dom.window.document.getElementById('root'))
  const waitFor = async (pred, what) => {
    for (let i = 0; i < 200; i++) {
      if (pred()) return
      await React.act(() => new Promise((r) => setTimeout(r, 10)))
    }
    assert.fail(`timed out waiting for ${what}`)
  }
  const render = (props, onState) =>
    React.act(async () => {
      root.render(
        React.createElement(client.AuthProvider, props, React.createElement(Probe, { onState })),
      )
    })
  try {
    await fn({ render, waitFor })
  } finally {
    await React.act(async () => root.unmount())
    for (const [k, d] of Object.entries(saved)) {
      if (d) Object.defineProperty(globalThis, k, d)
      else delete globalThis[k]
    }
    dom.window.close()
  }
}

test('in a DOM: loads the user, login returns field errors, login and logout update the state', async () => {
  await inDom(`${origin}/`, async ({ render, waitFor }) => {
    let state
    const events = []
    await render(
      {
        userEndpoint: `${origin}/api/auth/me`,
        loginEndpoint: `${origin}/api/auth/login`,
        logoutEndpoint: `${origin}/api/auth/logout`,
        registerEndpoint: `${origin}/api/auth/register`,
        logoutRedirect: null,
        onLogin: (u) => events.push(['login', u?.email]),
        onLogout: () => events.push(['logout']),
      },
      (s) => (state = s),
    )
    // No session: the user endpoint answers 401, which is "signed out", not an error.
    await waitFor(() => state && !state.isLoading, 'the first load')
    assert.equal(state.user, null)
    assert.equal(state.error, null)
    assert.equal(state.isAuthenticated, false)

    let result
    await React.act(async () => {
      result = await state.login({ email: 'demo@example.com', password: 'wrong' })
    })
    assert.equal(result.success, false)
    assert.deepEqual(result.errors.email, ['These credentials do not match our records.'])
    assert.equal(state.user, null)

    await React.act(async () => {
      result = await state.login({ email: 'demo@example.com', password: 'password' })
    })
    assert.equal(result.success, true)
    assert.equal(result.user.email, 'demo@example.com')
    assert.deepEqual(result.errors, {})
    assert.equal(state.user.email, 'demo@example.com')
    assert.equal(state.isAuthenticated, true)
    assert.equal(JSON.stringify(result).includes('token'), false)

    await React.act(async () => {
      await state.logout()
    })
    assert.equal(state.user, null)
    assert.equal(state.isAuthenticated, false)
    assert.deepEqual(events, [['login', 'demo@example.com'], ['logout']])

    // register: field errors, then success from form data (the new user is signed in)
    const form = new FormData() // the global one, as in a browser
    form.append('name', 'Client Test')
    form.append('email', `client-${Date.now()}@example.com`)
    form.append('password', 'password123')
    form.append('password_confirmation', 'mismatch')
    await React.act(async () => {
      result = await state.register(form)
    })
    assert.equal(result.success, false)
    assert.deepEqual(Object.keys(result.errors), ['password'], 'the form fields were sent')
    const fixed = new URLSearchParams([...form.entries()])
    fixed.set('password_confirmation', 'password123')
    await React.act(async () => {
      result = await state.register(fixed)
    })
    assert.equal(result.success, true, JSON.stringify(result))
    assert.equal(state.user.name, 'Client Test')
    assert.deepEqual(events.at(-1), ['login', fixed.get('email')])
  })
})

test('in a DOM: initialUser needs no fetch; parseAuthResponse, refresh, isGuest, onError, swrConfig', async () => {
  // A user endpoint whose answer the test sets, counting its calls.
  let answer = { status: 200, body: { result: { profile: { id: 'guest-9', type: 'guest' } } } }
  let calls = 0
  const userEndpoint = (_req, res) => {
    calls++
    res.writeHead(answer.status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(answer.body))
  }
  await withServer(userEndpoint, async (url) => {
    await inDom(`${url}/`, async ({ render, waitFor }) => {
      let state
      const errors = []
      const swrErrors = []
      await render(
        {
          userEndpoint: `${url}/me`,
          initialUser: { id: 1, type: 'user', name: 'From Server' },
          parseAuthResponse: (json) => json?.result?.profile ?? null,
          onError: (e) => errors.push(e),
          swrConfig: { revalidateOnFocus: false, onError: (e) => swrErrors.push(e) },
          logoutRedirect: null,
        },
        (s) => (state = s),
      )
      // first paint from the server's user, and no request on mount
      assert.equal(state.user.name, 'From Server')
      assert.equal(state.isAuthenticated, true)
      assert.equal(state.isLoading, false)
      await React.act(() => new Promise((r) => setTimeout(r, 50)))
      assert.equal(calls, 0, 'initialUser: no client fetch on mount')

      // refresh() revalidates through the endpoint and the custom parser
      let refreshed
      await React.act(async () => {
        refreshed = await state.refresh()
      })
      assert.equal(calls, 1)
      assert.deepEqual(refreshed, { id: 'guest-9', type: 'guest' })
      assert.equal(state.isGuest, true)
      assert.equal(state.isAuthenticated, false)

      // a failing user endpoint (not 401) sets error and reaches both onError callbacks
      answer = { status: 500, body: { success: false, message: 'Backend exploded.' } }
      await React.act(async () => {
        await state.refresh().catch(() => {})
      })
      await waitFor(() => state.error !== null, 'the error state')
      assert.equal(state.error.message, 'Backend exploded.')
      assert.equal(state.error.status, 500)
      assert.ok(state.error instanceof client.AuthError)
      assert.equal(errors.length, 1)
      assert.equal(swrErrors.length, 1, 'swrConfig.onError is kept next to onError')

      // 401 is "signed out", not an error
      answer = { status: 401, body: { success: false, message: 'Unauthenticated.' } }
      await React.act(async () => {
        await state.refresh()
      })
      assert.equal(state.user, null)
      assert.equal(state.error, null)
      assert.equal(errors.length, 1)
    })
  })
})
