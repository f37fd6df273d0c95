// What a browser bundle gets for the server entries ("browser" export condition): a clear
// error at import time instead of a cryptic "Can't resolve 'fs'" or a broken .node require.
// Self-contained on purpose: nothing here may touch Node.js APIs.

const error = new Error(
  'next-api-layer-native: was imported into a browser (client component) bundle, but it is ' +
    "server-only. In client components import AuthProvider/useAuth from 'next-api-layer-native/client'; " +
    'use createApiClient / getServerUser only in server code (route handlers, server actions, ' +
    "server components, proxy.ts), and add 'next-api-layer-native' to serverExternalPackages in next.config.",
)
error.code = 'ERR_CLIENT_BUNDLE'
throw error
