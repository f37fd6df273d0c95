'use client'

// `next-api-layer-native/client` as Node.js loads it (the "node" export condition).
//
// The package must be in `serverExternalPackages` (native addon), and Next.js externalizes every
// path of an external package, this client entry included. So when Next.js server-renders a
// client component that uses AuthProvider/useAuth, Node's own require loads this file, and a plain
// require of react from here (or from swr) would get node_modules/react: a second React whose
// hook dispatcher Next never sets ("Cannot read properties of null (reading 'useRef')").
//
// Inside a Next.js server (NEXT_RUNTIME=nodejs) this entry therefore builds the one
// implementation (./client/core.js) over the React Next renders client components with on the
// server (its vendored SSR React, the module Next's own server chunks require) and without swr:
// nothing is fetched during server rendering; the provider renders `initialUser` (or loading),
// exactly what the browser's first, hydrating render shows. Everywhere else (plain Node, tests,
// scripts, a Next.js without that module) it is ./client/index.js: `react` and swr.
// The browser bundle never sees this file ("browser" comes first in the export conditions).

const VENDORED_SSR_REACT = 'next/dist/server/route-modules/app-page/vendored/ssr/react'

function nextSsrReact() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return null
  let file
  try {
    // The `next` the server runs: resolved from the app (cwd) first, then from this package.
    file = require.resolve(VENDORED_SSR_REACT, { paths: [process.cwd(), __dirname] })
  } catch {
    return null
  }
  return require(file)
}

const ssrReact = nextSsrReact()
const client = ssrReact ? require('./client/core.js')(ssrReact, null) : require('./client/index.js')

// One `exports.x =` per name: Node's ESM loader detects these statically (named imports work).
exports.AuthProvider = client.AuthProvider
exports.useAuth = client.useAuth
exports.AuthContext = client.AuthContext
exports.AuthError = client.AuthError
exports.defaultParseAuthResponse = client.defaultParseAuthResponse
exports.CSRF_COOKIE = client.CSRF_COOKIE
exports.CSRF_HEADER = client.CSRF_HEADER
exports.getCsrfToken = client.getCsrfToken
exports.csrfHeaders = client.csrfHeaders
exports.withCsrf = client.withCsrf
exports.csrfFetch = client.csrfFetch
