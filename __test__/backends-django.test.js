// The whole flow against a real Django REST framework + djangorestframework-simplejwt backend
// (rotation and blacklist on) served by gunicorn, with the README's Django recipe as the config.
// examples/backends/setup.sh installs it (scripts/test.sh runs that first).

const { defineFlows } = require('./helpers/backend-flows.js')

defineFlows({
  name: 'django',
  credentials: { username: 'ada', password: 'correct-horse-9' },
  who: 'ada',
  isUser: (user) => user?.username === 'ada' && user.email === 'ada@example.com',
  echoOf: (json) => json,
  badLogin: { body: { username: 'ada' }, status: 400, field: 'password' },
  invalidStatus: 400,
})
