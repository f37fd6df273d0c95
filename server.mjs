// `next-api-layer-native/server` for import. Re-exports the CommonJS implementation (one module instance, so
// import and require share the engine cache). Node cannot see the names of a CommonJS object
// literal built from member expressions, hence the explicit list; __test__/exports.test.js fails
// when it drifts from server.js or from server.d.ts.
import api from './server.js'

export const { getServerUser, getServerToken, isAuthenticatedServer, getCsrfToken } = api

export default api
