import type { NextConfig } from 'next'

const nextConfig: NextConfig = {
  // The package carries a native addon: Next must load it with Node's require at run time
  // instead of bundling it.
  serverExternalPackages: ['next-api-layer-native'],
}

export default nextConfig
