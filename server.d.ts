// Types of `next-api-layer-native/server` (server components, route handlers, server actions).
export * from './js/server/get-server-user'
