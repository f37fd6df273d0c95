// `next-api-layer-native/server`: getServerUser and helpers (types in server.d.ts).
// A new name here needs `node scripts/gen-stubs.js` (its browser/Edge stubs; a test checks).
const server = require('./js/server/get-server-user')
const csrf = require('./js/server/csrf')

module.exports = {
  getServerUser: server.getServerUser,
  getServerToken: server.getServerToken,
  isAuthenticatedServer: server.isAuthenticatedServer,
  getCsrfToken: csrf.getCsrfToken,
}
