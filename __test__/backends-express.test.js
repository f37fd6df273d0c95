// The whole flow against a real Express + jsonwebtoken backend (access/refresh pair, rotation,
// revocation on logout, express-validator), with the README's Express recipe as the config.
// examples/backends/setup.sh installs it (scripts/test.sh runs that first).

const { defineFlows } = require('./helpers/backend-flows.js')

defineFlows({
  name: 'express',
  credentials: { email: 'ada@example.com', password: 'correct-horse-9' },
  who: 'ada@example.com',
  isUser: (user) => user?.email === 'ada@example.com' && user.name === 'Ada',
  echoOf: (json) => json.data,
  badLogin: { body: { email: 'ada@example.com' }, status: 422, field: 'password' },
  invalidStatus: 422,
})
