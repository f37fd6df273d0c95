// The browser and Edge stubs of the server entries: every name of the real entry (CommonJS and
// ESM alike, so Turbopack's "Export X doesn't exist in target module" never hides the message),
// each throwing the error that names the fix when used, and generated files that are up to date.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { expectedStubs, entryNames, ENTRIES } = require('../scripts/gen-stubs')

const root = path.join(__dirname, '..')
const pkg = require('../package.json')

test('the committed stubs are what scripts/gen-stubs.js writes from the real entries', () => {
  for (const [file, text] of expectedStubs()) {
    assert.equal(
      fs.readFileSync(file, 'utf8'),
      text,
      `${path.relative(root, file)} is out of date: run node scripts/gen-stubs.js`,
    )
  }
})

const KINDS = [
  { condition: 'browser', file: 'browser-stub', code: 'ERR_CLIENT_BUNDLE', fix: /\/client'/ },
  {
    condition: 'edge-light',
    file: 'edge-stub',
    code: 'ERR_EDGE_RUNTIME',
    fix: /runtime: 'nodejs'/,
  },
]

for (const { entry, module, suffix } of ENTRIES) {
  const real = entryNames(entry)
  for (const kind of KINDS) {
    const target = pkg.exports[module][kind.condition]
    test(`${module} "${kind.condition}": the stubs export exactly the names of ${entry}.js`, async () => {
      assert.deepEqual(target, {
        import: `./js/shared/${kind.file}${suffix}.mjs`,
        default: `./js/shared/${kind.file}${suffix}.js`,
      })
      const cjs = require(path.join(root, target.default))
      assert.deepEqual(Object.keys(cjs).sort(), real)
      const esm = await import(path.join(root, target.import))
      assert.deepEqual(
        Object.keys(esm)
          .filter((k) => k !== 'default')
          .sort(),
        real,
      )
      assert.deepEqual(Object.keys(esm.default).sort(), real)
    })

    test(`${module} "${kind.condition}": every name throws ${kind.code} naming the fix when used`, async () => {
      const esm = await import(path.join(root, target.import))
      for (const mod of [require(path.join(root, target.default)), esm]) {
        for (const name of real) {
          const value = mod[name]
          const uses = [() => value(), () => new value(), () => value.anyProperty]
          for (const use of uses) {
            assert.throws(use, (e) => {
              assert.equal(e.code, kind.code)
              assert.ok(e.message.startsWith(`next-api-layer-native: ${name} from '`), e.message)
              assert.match(e.message, kind.fix)
              return true
            })
          }
          // What bundlers, React and dev tools probe must not throw.
          assert.equal(typeof value, 'function')
          assert.equal(value.$$typeof, undefined)
          assert.equal(value.then, undefined)
        }
      }
    })
  }
}

test('stubs are self-contained: no require/import of Node.js APIs or of other files', () => {
  for (const [file, text] of expectedStubs()) {
    assert.doesNotMatch(text, /\brequire\(|^import\s/m, path.relative(root, file))
  }
})
