import type { NextConfig } from 'next'

const nextConfig: NextConfig = {
  // The package carries a native addon: Next must load it with Node's require at run time
  // instead of bundling it.
  serverExternalPackages: ['next-api-layer-native'],
  // As create-next-app makes Next.js 16 apps: Cache Components and partial prefetching on.
  // CACHE_COMPONENTS=0 builds the same app with both off (examples/test.sh builds and serves
  // both ways; partialPrefetching needs Cache Components).
  cacheComponents: process.env.CACHE_COMPONENTS !== '0',
  partialPrefetching: process.env.CACHE_COMPONENTS !== '0',
  // A second build of the same copy goes to its own directory (examples/test.sh).
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // This app lives inside the package's repository (which has its own lockfile): it is its own
  // project root.
  turbopack: { root: __dirname },
  outputFileTracingRoot: __dirname,
}

export default nextConfig
