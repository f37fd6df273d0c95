// The client entry as Next.js's server loads it when the package is in serverExternalPackages
// ("node" export condition): inside a Next.js server (NEXT_RUNTIME=nodejs) the client code and
// swr must get the React Next.js renders with (its vendored SSR React), never node_modules/react,
// or hooks crash during server rendering. Outside Next.js nothing changes. (The full proof, a
// Next.js build server-rendering AuthProvider/useAuth, is in examples/next15-app/test.sh.)
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const root = path.join(__dirname, '..')
// What a Next.js server sets up before it loads its runtime (next/dist/server/node-environment).
const NEXT_SERVER_GLOBALS =
  "globalThis.AsyncLocalStorage = require('node:async_hooks').AsyncLocalStorage;"

// Loads the client entry in a fresh process and reports which React files got loaded.
function load(env) {
  const script = `${NEXT_SERVER_GLOBALS}
    const client = require('next-api-layer-native/client')
    const files = Object.keys(require.cache)
    const rel = (f) => f.split(require('path').sep).join('/')
    console.log(JSON.stringify({
      exports: Object.keys(client).sort(),
      vendored: files.some((f) => rel(f).endsWith('app-page/vendored/ssr/react.js')),
      plainReact: files.some((f) => /\\/node_modules\\/react\\/(index|cjs\\/react\\.)/.test(rel(f))),
      element: (() => {
        const React = require('react')
        return typeof client.AuthProvider === 'function' && typeof React.createElement === 'function'
      })(),
    }))`
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: root,
    env: { ...process.env, NEXT_RUNTIME: '', TURBOPACK: '', ...env },
    encoding: 'utf8',
  })
  assert.equal(r.status, 0, r.stderr)
  return JSON.parse(r.stdout.trim().split('\n').pop())
}

test('outside Next.js the client entry uses the ordinary react', () => {
  const r = load({})
  assert.equal(r.vendored, false)
  assert.equal(r.plainReact, true)
  assert.ok(r.exports.includes('AuthProvider') && r.exports.includes('useAuth'))
})

test("inside a Next.js server the client code and swr get Next's SSR React", () => {
  const r = load({ NEXT_RUNTIME: 'nodejs', NODE_ENV: 'production', TURBOPACK: '1' })
  assert.equal(r.vendored, true, 'vendored SSR React loaded')
  // Only the test script's own require('react') below may load node_modules/react; the client
  // entry and swr were loaded before it, so check with a script that never requires react itself.
  const strict = spawnSync(
    process.execPath,
    [
      '-e',
      `${NEXT_SERVER_GLOBALS}
       require('next-api-layer-native/client')
       const rel = (f) => f.split(require('path').sep).join('/')
       const plain = Object.keys(require.cache).filter((f) => /\\/node_modules\\/react\\//.test(rel(f)))
       console.log(JSON.stringify(plain))`,
    ],
    {
      cwd: root,
      env: { ...process.env, NEXT_RUNTIME: 'nodejs', NODE_ENV: 'production', TURBOPACK: '1' },
      encoding: 'utf8',
    },
  )
  assert.equal(strict.status, 0, strict.stderr)
  assert.deepEqual(JSON.parse(strict.stdout.trim().split('\n').pop()), [], 'no node_modules/react')
})
