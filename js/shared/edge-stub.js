// What an Edge runtime bundle gets for the server entries ("edge-light" export condition):
// the native addon cannot load there, so say so at import time and name the fix.
// Self-contained on purpose: nothing here may touch Node.js APIs (Next.js warns about them).

const error = new Error(
  'next-api-layer-native: was imported into an Edge runtime bundle, but it needs the Node.js ' +
    'runtime. In Next.js 16 use proxy.ts (always Node.js); in Next.js 15.5 middleware.ts add ' +
    "`export const config = { runtime: 'nodejs' }`; in a route handler remove `export const runtime = 'edge'`.",
)
error.code = 'ERR_EDGE_RUNTIME'
throw error
