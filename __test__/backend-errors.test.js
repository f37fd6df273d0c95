// normalizeBackendError (js/shared/backend-errors.js) over the error bodies frameworks really send.
// Django REST framework and Express shapes are also produced live by examples/backends/ (see
// backends-*.test.js); Laravel and ASP.NET Core cannot run here, so their shapes are recorded
// from those frameworks' documented output and checked only here and in the auth-route test below.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { normalizeBackendError } = require('../js/shared/backend-errors.js')
const { createAuthRoutes } = require('../js/routes/auth-routes.js')
const { withServer } = require('./helpers/server.js')

const RECORDED = [
  {
    name: 'Laravel 11 FormRequest 422',
    body: {
      message: 'The email field is required. (and 1 more error)',
      errors: {
        email: ['The email field is required.'],
        password: ['The password field must be at least 8 characters.'],
      },
    },
    want: {
      message: 'The email field is required. (and 1 more error)',
      errors: {
        email: ['The email field is required.'],
        password: ['The password field must be at least 8 characters.'],
      },
    },
  },
  {
    name: 'Laravel tymon/jwt-auth 401',
    body: { error: 'Unauthorized' },
    want: { message: 'Unauthorized' },
  },
  {
    name: 'DRF serializer 400 (field lists)',
    body: { username: ['This field is required.'], password: ['This field may not be blank.'] },
    want: {
      errors: {
        username: ['This field is required.'],
        password: ['This field may not be blank.'],
      },
    },
  },
  {
    name: 'DRF nested serializer and list field',
    body: { address: { city: ['This field is required.'] }, tags: [{}, { name: ['Too long.'] }] },
    want: { errors: { 'address.city': ['This field is required.'], 'tags.1.name': ['Too long.'] } },
  },
  {
    name: 'DRF non_field_errors',
    body: { non_field_errors: ['Unable to log in with provided credentials.'] },
    want: {
      message: 'Unable to log in with provided credentials.',
      errors: { non_field_errors: ['Unable to log in with provided credentials.'] },
    },
  },
  {
    name: 'simplejwt 401 {detail, code}',
    body: {
      detail: 'No active account found with the given credentials',
      code: 'no_active_account',
    },
    want: { message: 'No active account found with the given credentials' },
  },
  {
    name: 'DRF ValidationError raised with a list',
    body: ['Registration is closed.'],
    want: {
      message: 'Registration is closed.',
      errors: { non_field_errors: ['Registration is closed.'] },
    },
  },
  {
    name: 'ASP.NET Core ValidationProblemDetails 400',
    body: {
      type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
      title: 'One or more validation errors occurred.',
      status: 400,
      errors: {
        Email: ['The Email field is required.'],
        Password: ['The field Password must be a string with a minimum length of 6.'],
      },
      traceId: '00-84b1d1a9c3b4e6f1a2b3c4d5e6f7a8b9-1a2b3c4d5e6f7a8b-00',
    },
    want: {
      message: 'One or more validation errors occurred.',
      errors: {
        Email: ['The Email field is required.'],
        Password: ['The field Password must be a string with a minimum length of 6.'],
      },
    },
  },
  {
    name: 'ASP.NET Core ProblemDetails 401 with detail',
    body: {
      type: 'https://tools.ietf.org/html/rfc9110#section-15.5.2',
      title: 'Unauthorized',
      status: 401,
      detail: 'Invalid email or password.',
    },
    want: { message: 'Invalid email or password.' },
  },
  {
    name: 'ASP.NET Identity IdentityResult errors',
    body: [
      { code: 'DuplicateUserName', description: "Username 'ada' is already taken." },
      { code: 'PasswordTooShort', description: 'Passwords must be at least 6 characters.' },
    ],
    want: {
      errors: {
        DuplicateUserName: ["Username 'ada' is already taken."],
        PasswordTooShort: ['Passwords must be at least 6 characters.'],
      },
    },
  },
  {
    name: 'express-validator 7 (path)',
    body: {
      errors: [
        { type: 'field', value: '', msg: 'Invalid value', path: 'email', location: 'body' },
        { type: 'field', value: 'x', msg: 'Too short', path: 'password', location: 'body' },
        { type: 'field', value: 'y', msg: 'Needs a digit', path: 'password', location: 'body' },
      ],
    },
    want: { errors: { email: ['Invalid value'], password: ['Too short', 'Needs a digit'] } },
  },
  {
    name: 'express-validator 6 (param)',
    body: { errors: [{ value: '', msg: 'Invalid value', param: 'username', location: 'body' }] },
    want: { errors: { username: ['Invalid value'] } },
  },
  {
    name: 'envelope {success, message}',
    body: { success: false, message: 'Invalid credentials' },
    want: { message: 'Invalid credentials' },
  },
  {
    name: 'nested {error: {message}}',
    body: { error: { message: 'Token expired', code: 401 } },
    want: { message: 'Token expired' },
  },
  { name: 'not an error shape', body: { data: null, count: 3 }, want: {} },
  { name: 'a string', body: 'Bad Request', want: {} },
  { name: 'null', body: null, want: {} },
]

for (const { name, body, want } of RECORDED) {
  test(`normalizeBackendError: ${name}`, () => {
    assert.deepEqual(normalizeBackendError(body), want)
  })
}

test('non-string values never reach the browser', () => {
  assert.deepEqual(
    normalizeBackendError({ email: ['Taken.', 42, null], extra: [{ secret: 1 }], n: 5 }),
    { errors: { email: ['Taken.'] } },
  )
})

function post(url, body) {
  return new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

test('login() gets each recorded shape as { message, errors } with the backend status', async () => {
  let answer
  await withServer(
    (req, res) => {
      req.resume()
      res.writeHead(answer.status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(answer.body))
    },
    async (url) => {
      const routes = createAuthRoutes({ apiBaseUrl: url, csrf: false })
      for (const { name, body, want } of RECORDED.slice(0, 12)) {
        answer = { status: 400, body }
        const res = await routes.login(post('http://app.test/api/auth/login', { u: 1 }))
        const json = await res.json()
        assert.equal(res.status, 400, name)
        assert.equal(json.success, false, name)
        assert.equal(json.message, want.message ?? 'The given data was invalid.', name)
        assert.deepEqual(json.errors, want.errors, name)
      }
      // 401 without a message keeps the generic one
      answer = { status: 401, body: { foo: 1 } }
      const res = await routes.register(post('http://app.test/api/auth/register', {}))
      assert.deepEqual(await res.json(), { success: false, message: 'Unauthenticated.' })
    },
  )
})

test('parseErrorResponse maps a shape of its own', async () => {
  await withServer(
    (req, res) => {
      req.resume()
      res.writeHead(422, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ problems: [{ field: 'email', text: 'Taken' }] }))
    },
    async (url) => {
      const seen = []
      const routes = createAuthRoutes({
        apiBaseUrl: url,
        csrf: false,
        parseErrorResponse: (json, info) => {
          seen.push(info)
          return {
            message: 'Check the form.',
            errors: Object.fromEntries(json.problems.map((p) => [p.field, [p.text]])),
          }
        },
      })
      const res = await routes.register(post('http://app.test/api/auth/register', {}))
      assert.equal(res.status, 422)
      assert.deepEqual(await res.json(), {
        success: false,
        message: 'Check the form.',
        errors: { email: ['Taken'] },
      })
      assert.deepEqual(seen, [{ action: 'register', status: 422 }])
    },
  )
})
