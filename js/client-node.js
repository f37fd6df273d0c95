// `next-api-layer-native/client` as Node.js loads it ("node" export condition).
//
// The package must be in `serverExternalPackages` (native addon), and Next.js externalizes every
// path of an external package, this client entry included. So when Next.js server-renders a
// client component that uses AuthProvider/useAuth, Node's own loader requires this entry, and a
// plain `require('react')` from here (or from swr) would get node_modules/react: a second React
// whose hook dispatcher Next never sets ("Cannot read properties of null (reading 'useRef')").
//
// Inside a Next.js server (NEXT_RUNTIME=nodejs), this entry therefore resolves `react` for the
// client implementation and its React-using dependencies (swr, use-sync-external-store) to the
// React Next renders client components with on the server (its vendored SSR React). Everywhere
// else (plain Node, tests, scripts) it is the ordinary implementation. The browser bundle never
// sees this file (browser bundles use the "browser"/"import" conditions, not "node").

const path = require('node:path')
const Module = require('node:module')

const ownRoot = path.join(__dirname, '..') + path.sep
const scopedDeps = ['swr', 'use-sync-external-store'].map(
  (name) => `${path.sep}node_modules${path.sep}${name}${path.sep}`,
)
const VENDORED = 'next/dist/server/route-modules/app-page/vendored/ssr/'
const MAPPED = {
  react: 'react',
  'react/jsx-runtime': 'react-jsx-runtime',
  'react/jsx-dev-runtime': 'react-jsx-dev-runtime',
  'react-dom': 'react-dom',
}

function inScope(filename) {
  if (typeof filename !== 'string') return false
  if (
    filename.startsWith(ownRoot) &&
    !filename.includes(`${path.sep}node_modules${path.sep}`, ownRoot.length)
  ) {
    return true
  }
  return scopedDeps.some((dir) => filename.includes(dir))
}

function installNextSsrReact() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return false
  const targets = {}
  try {
    // Resolved from the app (cwd) first, then from here: the `next` the server runs.
    const from = [process.cwd(), __dirname]
    for (const [request, file] of Object.entries(MAPPED)) {
      targets[request] = require.resolve(VENDORED + file, { paths: from })
    }
  } catch {
    return false // not a Next.js version with a vendored SSR React: leave resolution alone
  }
  if (Module._resolveFilename.__nextApiLayerNative) return true
  const original = Module._resolveFilename
  const patched = function resolveFilename(request, parent, ...rest) {
    if (Object.hasOwn(targets, request) && parent && inScope(parent.filename)) {
      return targets[request]
    }
    return original.call(this, request, parent, ...rest)
  }
  patched.__nextApiLayerNative = true
  Module._resolveFilename = patched
  return true
}

installNextSsrReact()

module.exports = require('./client/index.js')
