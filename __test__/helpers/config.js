// Shared by the tests of every constructor: bad configuration throws at construction an Error
// with `code: 'ERR_CONFIG_INVALID'` whose message names the option.

const assert = require('node:assert/strict')

/** `cases`: [config, RegExp the message must match]; each must throw from `factory(config)`. */
function assertConfigErrors(factory, cases) {
  for (const [cfg, re] of cases) {
    assert.throws(
      () => factory(cfg),
      (e) => e instanceof Error && e.code === 'ERR_CONFIG_INVALID' && re.test(e.message),
      JSON.stringify(cfg),
    )
  }
}

module.exports = { assertConfigErrors }
