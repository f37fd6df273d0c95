// `next-api-layer-native/server`: getServerUser and helpers (types in server.d.ts).
const server = require('./js/server')

module.exports = {
  getServerUser: server.getServerUser,
  getServerToken: server.getServerToken,
  isAuthenticatedServer: server.isAuthenticatedServer,
}
