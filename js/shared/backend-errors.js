// One normalizer for the error bodies of the JWT backends we are used with: their message and
// their field errors, as `{ message?, errors? }` with `errors` always `{ field: string[] }`.
//
// Why one module: login() / register() show a form its field errors, and every framework says
// them differently. Shapes recognised (recorded examples in __test__/backend-errors.test.js):
//   Laravel             { message, errors: { field: [..] } }
//   DRF                 { field: [..] } (nested: { address: { city: [..] } } -> 'address.city'),
//                       { detail, code? }, { non_field_errors: [..] }, or a bare [..] list
//   ASP.NET Core        problem details { type, title, status, detail?, errors: { Field: [..] } },
//                       Identity's [{ code, description }]
//   express-validator   { errors: [{ type, path | param, msg, location }] }
//   generic             { message }, { error: '..' }, { error: { message } }, { error_description }
// Anything else gives `{}` and the caller keeps its own fallback message. Values that are not
// strings (numbers, objects that hold no strings) are left out: only text reaches the browser.

const MESSAGE_KEYS = ['message', 'detail', 'title', 'error_description']
/** Keys that are about the response, never a field (problem details, envelopes, DRF codes). */
const NOT_FIELDS = new Set([
  'message',
  'detail',
  'title',
  'type',
  'status',
  'instance',
  'traceId',
  'code',
  'success',
  'error',
  'error_description',
  'errors',
  'data',
  'timestamp',
  'path',
])
/** Non-field buckets: their first entry is the message when nothing else gives one. */
const NON_FIELD_KEYS = ['non_field_errors', '__all__', '']

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function push(out, key, msg) {
  if (!out[key]) out[key] = []
  out[key].push(msg)
}

function text(v) {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined
}

/** Collects the strings under `value` into `out[key]`, nested keys joined with dots. */
function flatten(value, key, out) {
  if (typeof value === 'string') {
    if (value !== '') push(out, key, value)
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (typeof item === 'string') flatten(item, key, out)
      else if (isObject(item) || Array.isArray(item)) flatten(item, `${key}.${i}`, out)
    })
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, key === '' ? k : `${key}.${k}`, out)
  }
  return out
}

/** express-validator's list: [{ path | param, msg }] grouped by field. */
function fromValidatorList(list) {
  const out = {}
  for (const item of list) {
    if (!isObject(item)) continue
    const field = text(item.path) ?? text(item.param) ?? text(item.field) ?? ''
    const msg = text(item.msg) ?? text(item.message) ?? text(item.description)
    if (msg) push(out, field, msg)
  }
  return out
}

/** ASP.NET Identity's [{ code, description }] keyed by code. */
function fromIdentityList(list) {
  const out = {}
  for (const item of list) {
    const msg = isObject(item) ? text(item.description) : undefined
    if (msg) push(out, text(item.code) ?? '', msg)
  }
  return out
}

function fieldErrorsOf(body) {
  if (Array.isArray(body)) {
    if (body.every((v) => typeof v === 'string')) return { non_field_errors: body.filter(text) }
    if (body.some((v) => isObject(v) && 'description' in v)) return fromIdentityList(body)
    return fromValidatorList(body)
  }
  if (!isObject(body)) return {}
  if (Array.isArray(body.errors)) return fromValidatorList(body.errors)
  if (isObject(body.errors)) return flatten(body.errors, '', {})
  // DRF: the fields are the body itself
  const out = {}
  for (const [k, v] of Object.entries(body)) {
    if (!NOT_FIELDS.has(k) && (Array.isArray(v) || isObject(v))) flatten(v, k, out)
  }
  return out
}

function messageOf(body, errors) {
  if (isObject(body)) {
    // in this order: problem details' `detail` says more than their `title`
    const key = MESSAGE_KEYS.find((k) => text(body[k]))
    if (key) return body[key]
    if (text(body.error)) return body.error
    if (isObject(body.error) && text(body.error.message)) return body.error.message
  }
  for (const k of NON_FIELD_KEYS) if (errors[k]?.length) return errors[k][0]
  return undefined
}

/**
 * @param {unknown} body the backend's parsed JSON error body
 * @returns {{ message?: string, errors?: Record<string, string[]> }}
 */
function normalizeBackendError(body) {
  const errors = fieldErrorsOf(body)
  const out = {}
  const message = messageOf(body, errors)
  if (message !== undefined) out.message = message
  if (Object.keys(errors).length > 0) out.errors = errors
  return out
}

module.exports = { normalizeBackendError }
