/** @type {import('next').NextConfig} */
const nextConfig = {
  // The native addon must be loaded by Node.js, not bundled.
  serverExternalPackages: ['next-api-layer-native'],
}

export default nextConfig
