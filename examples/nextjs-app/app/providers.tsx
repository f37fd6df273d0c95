'use client'
// The app's client boundary for the auth state (the one line a user writes). The package is in
// serverExternalPackages (its native addon), so Next.js does not see the 'use client' inside it:
// server components (app/layout.tsx) render AuthProvider from this file. Client components
// import useAuth from 'next-api-layer-native/client' directly.
export { AuthProvider } from 'next-api-layer-native/client'
