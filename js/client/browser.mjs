'use client'

// `next-api-layer-native/client` in browser bundles (the "browser" export condition, first in
// package.json, so both `import` and `require` from client code land here): ESM over the
// ordinary `react` and swr's ESM build. Only react, swr and this folder: never the native addon
// or a server module. The implementation is ./core.js (one copy, shared by every entry).

import * as React from 'react'
import useSWR from 'swr'
import createAuthClient from './core.js'
import returnTo from './return-to.js'

const client = createAuthClient(React, useSWR)

export const {
  AuthProvider,
  useAuth,
  AuthContext,
  AuthError,
  defaultParseAuthResponse,
  CSRF_COOKIE,
  CSRF_HEADER,
  getCsrfToken,
  csrfHeaders,
  withCsrf,
  csrfFetch,
} = client

export const { resolveReturnTo, safeReturnTo, returnToFrom, RETURN_PARAMS } = returnTo
