// Bad configuration: every constructor of this package throws the same kind of error, with a
// stable `code` and a message that names the option. One helper, shared by the JS adapters.

/** An Error with `code: 'ERR_CONFIG_INVALID'`; `message` starts with the option's name. */
function configError(message) {
  const error = new Error(message)
  error.code = 'ERR_CONFIG_INVALID'
  return error
}

const CHECKS = {
  boolean: [(v) => typeof v === 'boolean', 'a boolean'],
  string: [(v) => typeof v === 'string', 'a string'],
  number: [(v) => typeof v === 'number' && Number.isFinite(v), 'a finite number'],
  function: [(v) => typeof v === 'function', 'a function'],
  strings: [
    (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'),
    'an array of strings',
  ],
}

/**
 * Throws a config error unless `value` is undefined/null or of `type` (a key of CHECKS). Run
 * before a value reaches the addon, whose own type errors would not name the option.
 */
function optionalOf(type, value, option) {
  if (value === undefined || value === null) return
  const [ok, what] = CHECKS[type]
  if (!ok(value)) throw configError(`${option} must be ${what}`)
}

/** A user callback option: the function, or undefined when not set; throws on anything else. */
function optionalFunction(value, option) {
  optionalOf('function', value, option)
  return value || undefined
}

module.exports = { configError, optionalOf, optionalFunction }
