'use client'

// `next-api-layer-native/client` with the ordinary `react` and swr: what require/import give
// outside a Next.js server (plain Node, tests, scripts) and what client.js/client.mjs re-export.
// CommonJS, so `require` and `import` share ONE module instance and therefore one React context.
// The implementation is ./core.js (one copy, shared by every entry).

const React = require('react')
const { default: useSWR } = require('swr')
const createAuthClient = require('./core')
const returnTo = require('./return-to')

const client = createAuthClient(React, useSWR)

// One `exports.x =` per name: Node's ESM loader (client.mjs) detects these statically.
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
exports.resolveReturnTo = returnTo.resolveReturnTo
exports.safeReturnTo = returnTo.safeReturnTo
exports.returnToFrom = returnTo.returnToFrom
exports.RETURN_PARAMS = returnTo.RETURN_PARAMS
