// The client entry as Next.js's server loads it when the package is in serverExternalPackages
// ("node" export condition, js/client/node.js): inside a Next.js server (NEXT_RUNTIME=nodejs) the
// one implementation (js/client/core.js) is built over the React Next renders client components
// with (its vendored SSR React) and without swr, never loading node_modules/react; outside Next.js
// it is the ordinary entry. Without swr it must render exactly what the browser's first render
// (with swr) hydrates. (The full proof, `next build` + `next start` server-rendering
// AuthProvider/useAuth and hydrating them in Chromium, is examples/test.sh.)
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const root = path.join(__dirname, '..')
// What a Next.js server sets up before it loads its runtime (next/dist/server/node-environment).
const NEXT_SERVER_GLOBALS =
  "globalThis.AsyncLocalStorage = require('node:async_hooks').AsyncLocalStorage;"
const NEXT_SERVER_ENV = { NEXT_RUNTIME: 'nodejs', NODE_ENV: 'production', TURBOPACK: '1' }

// Runs `body` in a fresh process (cwd = the package root, so the package resolves itself by name
// with Node's own conditions) after recording every file loaded; prints body's JSON result.
function run(env, body) {
  const script = `${NEXT_SERVER_GLOBALS}
    const Module = require('node:module')
    const path = require('node:path')
    const root = ${JSON.stringify(root + path.sep)}
    const loaded = []
    const origLoad = Module._load
    Module._load = function (request, parent, isMain) {
      loaded.push(Module._resolveFilename(request, parent, isMain))
      return origLoad.apply(this, arguments)
    }
    const rel = (f) => f.split(path.sep).join('/')
    const own = () => loaded.filter((f) => f.startsWith(root) && !f.slice(root.length).includes('node_modules')).map((f) => rel(f.slice(root.length)))
    const pkgs = () => [...new Set(loaded.filter((f) => f.includes('node_modules')).map((f) => rel(f).split('node_modules/').pop().split('/')[0]))].sort()
    ;(async () => { ${body} })().then((result) => console.log(JSON.stringify(result)))`
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: root,
    env: { ...process.env, NEXT_RUNTIME: '', TURBOPACK: '', __NEXT_EXPERIMENTAL_REACT: '', ...env },
    encoding: 'utf8',
  })
  assert.equal(r.status, 0, r.stderr)
  return JSON.parse(r.stdout.trim().split('\n').pop())
}

test('outside Next.js the "node" entry is the ordinary client (react and swr), same instance', () => {
  const r = run(
    {},
    `const viaExports = require('next-api-layer-native/client')
     const plain = require('./client.js')
     return {
       file: rel(require.resolve('next-api-layer-native/client')).slice(root.length),
       same: viaExports.AuthProvider === plain.AuthProvider && viaExports.AuthContext === plain.AuthContext,
       names: Object.keys(viaExports).sort().join(),
       plainNames: Object.keys(plain).sort().join(),
       pkgs: pkgs(),
     }`,
  )
  assert.equal(r.file, 'js/client/node.js')
  assert.equal(r.same, true)
  assert.equal(r.names, r.plainNames)
  assert.ok(r.pkgs.includes('react') && r.pkgs.includes('swr'), r.pkgs.join())
})

test("inside a Next.js server: Next's SSR React, no swr, no node_modules/react, nothing native", () => {
  const r = run(
    NEXT_SERVER_ENV,
    `const start = loaded.length
     const client = require('next-api-layer-native/client')
     const after = loaded.slice(start)
     // Render it as Next.js does: with the renderer of Next's vendored SSR React.
     const ssr = require('next/dist/server/route-modules/app-page/module.compiled').vendored['react-ssr']
     const R = ssr.React
     const render = async (c) => {
       function Probe() { const a = c.useAuth(); return R.createElement('p', null, a.isAuthenticated ? a.user.name : 'nobody') }
       try { return await new Response(await ssr.ReactDOMServer.renderToReadableStream(R.createElement(c.AuthProvider, { initialUser: { id: 1, name: 'Demo User' } }, R.createElement(Probe)))).text() }
       catch (e) { return 'threw: ' + e.message }
     }
     return {
       own: [...new Set(after.filter((f) => f.startsWith(root)).map((f) => rel(f.slice(root.length))))].filter((f) => !f.includes('node_modules')).sort(),
       pkgs: [...new Set(after.filter((f) => f.includes('node_modules')).map((f) => rel(f).split('node_modules/').pop().split('/')[0]))].sort(),
       native: after.filter((f) => f.endsWith('.node') || /binding\\.js$/.test(f)),
       html: await render(client),
       // The ordinary entry (node_modules/react + swr) under the same renderer: the crash this avoids.
       plainHtml: await render(require('./js/client/index.js')),
       names: Object.keys(client).sort().join(),
     }`,
  )
  assert.deepEqual(r.own, [
    'js/client/core.js',
    'js/client/csrf.js',
    'js/client/node.js',
    'js/client/return-to.js',
  ])
  // Only Next.js itself (its vendored React lives in next/dist) and its helpers: no react, no swr.
  assert.ok(r.pkgs.includes('next'), r.pkgs.join())
  for (const p of r.pkgs) assert.ok(['next', '@swc'].includes(p), `loaded ${p}`)
  assert.deepEqual(r.native, [])
  assert.equal(r.html, '<p>Demo User</p>')
  assert.match(r.plainHtml, /^threw: AuthProvider cannot use React hooks here/)
  assert.equal(
    r.names,
    'AuthContext,AuthError,AuthProvider,CSRF_COOKIE,CSRF_HEADER,RETURN_PARAMS,csrfFetch,csrfHeaders,defaultParseAuthResponse,getCsrfToken,resolveReturnTo,returnToFrom,safeReturnTo,useAuth,withCsrf',
  )
})

test('a Next.js server without NEXT_RUNTIME (standalone output, custom server) is recognised', () => {
  const r = run(
    { NODE_ENV: 'production' },
    `require('next/dist/server/next-server.js') // what every Next.js server loads
     const start = loaded.length
     require('next-api-layer-native/client')
     const after = loaded.slice(start).map(rel)
     return {
       vendored: after.some((f) => f.endsWith('app-page/vendored/ssr/react.js')),
       swr: after.some((f) => f.includes('/node_modules/swr/')),
       core: after.some((f) => f.endsWith('js/client/core.js')),
     }`,
  )
  assert.deepEqual(r, { vendored: true, swr: false, core: true })
})

// ---- the render without swr matches the render with swr (what hydration compares) ----

const React = require('react')
const { renderToString } = require('react-dom/server')
const createAuthClient = require('../js/client/core.js')
const withSWR = require('../js/client/index.js')
const withoutSWR = createAuthClient(React, null)

function Probe({ client }) {
  const a = client.useAuth()
  return React.createElement(
    'p',
    { 'data-loading': String(a.isLoading), 'data-guest': String(a.isGuest) },
    a.isAuthenticated ? `user:${a.user.name}` : a.user ? `other:${a.user.id}` : 'nobody',
    a.error ? ' error' : '',
  )
}

function html(client, props) {
  return renderToString(
    React.createElement(client.AuthProvider, props, React.createElement(Probe, { client })),
  )
}

test('server render without swr is what the browser hydrates with swr, for every initial state', () => {
  const cases = [
    { initialUser: { id: 1, name: 'Demo User', type: 'user' } },
    { initialUser: { id: 'guest-1', type: 'guest' } },
    { initialUser: null },
    {}, // no initialUser: loading until the browser fetches
    { swrConfig: { revalidateOnMount: false } }, // no initialUser and no fetch: not loading
    { swrConfig: { fallbackData: { id: 7, name: 'Fallback', type: 'user' } } },
  ]
  const seen = new Set()
  for (const props of cases) {
    const expected = html(withSWR, props)
    assert.equal(html(withoutSWR, props), expected, JSON.stringify(props))
    seen.add(expected)
  }
  // The cases are really different renders (the comparison can fail); only `initialUser: null`
  // and "no initialUser, no fetch on mount" both render signed out and not loading.
  assert.equal(seen.size, cases.length - 1)
})

test('AuthProvider rendered where hooks cannot run says how to fix it', () => {
  // What happens when a server component renders AuthProvider directly: no renderer, no hooks.
  assert.throws(
    () => withoutSWR.AuthProvider({ children: null }),
    (e) =>
      /client boundary/.test(e.message) &&
      /"use client"/.test(e.message) &&
      e.cause instanceof TypeError,
  )
})
