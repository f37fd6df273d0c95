// Shape checks for the createApiClient options that stay in JS (the token, cookie and
// sanitization options are validated natively by ApiClientCore): a bad option throws at
// construction, naming the option, instead of failing on the first request.

const { configError } = require('../shared/config-error')

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)
const isFn = (v) => typeof v === 'function'
const isText = (v) => typeof v === 'string' && v !== ''
const isStrings = (v) => Array.isArray(v) && v.every(isText)

function boolOrObject(v, name) {
  if (v !== undefined && typeof v !== 'boolean' && !isObj(v)) {
    throw configError(`${name} must be a boolean or an options object`)
  }
  return isObj(v) ? v : {}
}

function optional(v, name, ok, what) {
  if (v !== undefined && !ok(v)) throw configError(`${name} must be ${what}`)
}

// The Headers constructor is the judge of a valid header name and value (as fetch will be).
function headerOk(name, value) {
  try {
    new Headers([[name, value]])
    return true
  } catch {
    return false
  }
}

function validateOptions(config) {
  optional(config.throwOnError, 'throwOnError', (v) => typeof v === 'boolean', 'a boolean')
  optional(config.getCookies, 'getCookies', isFn, 'a function')
  optional(config.getHeaders, 'getHeaders', isFn, 'a function')
  const dedupe = boolOrObject(config.dedupe, 'dedupe')
  optional(dedupe.methods, 'dedupe.methods', isStrings, 'an array of HTTP method names')
  const requestId = boolOrObject(config.requestId, 'requestId')
  optional(requestId.generator, 'requestId.generator', isFn, 'a function')
  optional(
    requestId.headerName,
    'requestId.headerName',
    (v) => isText(v) && headerOk(v, 'x'),
    'a valid header name',
  )
  optional(config.defaultHeaders, 'defaultHeaders', isObj, 'an object of header names to values')
  for (const [k, v] of Object.entries(config.defaultHeaders ?? {})) {
    if (typeof v !== 'string' || !headerOk(k, v)) {
      throw configError(`defaultHeaders['${k}'] must be a valid header name with a string value`)
    }
  }
  optional(config.errorMessages, 'errorMessages', isObj, 'an object')
  for (const [k, v] of Object.entries(config.errorMessages ?? {})) {
    if (typeof v !== 'string') throw configError(`errorMessages.${k} must be a string`)
  }
  const debug = boolOrObject(config.debug, 'debug')
  optional(debug.logger, 'debug.logger', isFn, 'a function')
  for (const k of ['maxStringLength', 'maxArrayItems', 'maxDepth']) {
    optional(debug[k], `debug.${k}`, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer')
  }
  optional(
    debug.sensitiveFields,
    'debug.sensitiveFields',
    (v) => Array.isArray(v) && v.every((f) => isText(f) || f instanceof RegExp),
    'an array of field names or RegExps',
  )
  const i18n = boolOrObject(config.i18n, 'i18n')
  optional(i18n.paramName, 'i18n.paramName', isText, 'a non-empty string')
  optional(i18n.locales, 'i18n.locales', isStrings, 'an array of locale strings')
  optional(i18n.defaultLocale, 'i18n.defaultLocale', isText, 'a non-empty string')
}

module.exports = { validateOptions }
