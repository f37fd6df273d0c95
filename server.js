// `next-api-layer-native/server`: getServerUser and helpers (types in server.d.ts).
const server = require('./js/server/get-server-user')
const csrf = require('./js/server/csrf')

module.exports = {
  getServerUser: server.getServerUser,
  getServerToken: server.getServerToken,
  isAuthenticatedServer: server.isAuthenticatedServer,
  getCsrfToken: csrf.getCsrfToken,
}
