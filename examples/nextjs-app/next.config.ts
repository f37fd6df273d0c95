import type { NextConfig } from 'next'

const nextConfig: NextConfig = {
  // The package carries a native addon: Next must load it with Node's require at run time
  // instead of bundling it.
  serverExternalPackages: ['next-api-layer-native'],
  // This app lives inside the package's repository (which has its own lockfile): it is its own
  // project root.
  turbopack: { root: __dirname },
  outputFileTracingRoot: __dirname,
}

export default nextConfig
