'use client'

// `next-api-layer-native/client` as Node.js loads it (the "node" export condition).
//
// The package must be in `serverExternalPackages` (native addon), and Next.js externalizes every
// path of an external package, this client entry included. So when Next.js server-renders a
// client component that uses AuthProvider/useAuth, Node's own require loads this file, and a plain
// require of react from here (or from swr) would get node_modules/react: a second React whose
// hook dispatcher Next never sets ("Cannot read properties of null (reading 'useRef')").
//
// Inside a Next.js server (NEXT_RUNTIME=nodejs, or a loaded next-server) this entry therefore builds the one
// implementation (./client/core.js) over the React Next renders client components with on the
// server (its vendored SSR React, the module Next's own server chunks require) and without swr:
// nothing is fetched during server rendering; the provider renders `initialUser` (or loading),
// exactly what the browser's first, hydrating render shows. Everywhere else (plain Node, tests,
// scripts, a Next.js without that module) it is ./client/index.js: `react` and swr.
// The browser bundle never sees this file ("browser" comes first in the export conditions).

const path = require('node:path')

const VENDORED_SSR_REACT = 'next/dist/server/route-modules/app-page/vendored/ssr/react'
// Loaded by every Next.js server (next start/dev, standalone output, custom servers).
const NEXT_SERVER_FILE = /[\\/]next[\\/]dist[\\/]server[\\/]next-server\.js$/

// The `next` package of the Next.js server running in this process, if one is.
function runningNext() {
  const file = Object.keys(require.cache).find((f) => NEXT_SERVER_FILE.test(f))
  return file ? path.resolve(file, '..', '..', '..') : null
}

function nextSsrReact() {
  const running = runningNext()
  // The CLI sets NEXT_RUNTIME; standalone servers and custom servers do not, but load next-server.
  if (process.env.NEXT_RUNTIME !== 'nodejs' && !running) return null
  let file
  try {
    // The vendored React of that `next` (its chunks require the same file), else the app's.
    const from = [process.cwd(), __dirname]
    if (running) from.unshift(path.dirname(running))
    file = require.resolve(VENDORED_SSR_REACT, { paths: from })
  } catch {
    return null
  }
  return require(file)
}

const ssrReact = nextSsrReact()
const client = ssrReact ? require('./core.js')(ssrReact, null) : require('./index.js')

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
const returnTo = require('./return-to.js')
exports.resolveReturnTo = returnTo.resolveReturnTo
exports.safeReturnTo = returnTo.safeReturnTo
exports.returnToFrom = returnTo.returnToFrom
exports.RETURN_PARAMS = returnTo.RETURN_PARAMS
