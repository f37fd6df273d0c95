/** @type {import('next').NextConfig} */
const nextConfig = {
  // The package carries a native addon: loaded with Node's require at run time, never bundled.
  serverExternalPackages: ['next-api-layer-native'],
}

export default nextConfig
