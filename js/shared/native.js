// The only place that loads the native addon. Every JS module that needs the engine does
// `require('./native')` (never `../binding.js` directly), so a missing or unusable binary
// always fails the same clear way: an Error with a stable `code` naming the platform and the fix.

const {
  currentFacts,
  runtimeProblem,
  bindingNotFoundError,
  detectBundler,
  bundledError,
} = require('./runtime-check')

function load() {
  const facts = currentFacts()
  const problem = runtimeProblem(facts)
  if (problem) throw problem
  try {
    return require('../../binding.js')
  } catch (cause) {
    // Bundled by Next.js (no serverExternalPackages): the fix is the config, not a reinstall.
    const bundler = detectBundler(__dirname)
    if (bundler) throw bundledError(bundler, cause)
    throw bindingNotFoundError(currentFacts({ withLibc: true }), cause)
  }
}

module.exports = load()
