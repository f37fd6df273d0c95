'use client'
// The app's own client boundary around AuthProvider: the package is in serverExternalPackages,
// so Next.js does not see the 'use client' inside it; this file gives server components a
// client component to render.
export { AuthProvider } from 'next-api-layer-native/client'
