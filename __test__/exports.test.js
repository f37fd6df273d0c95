// Every entry point works with both `require` and `import`, and its runtime exports are
// exactly the values its types declare (so the .d.ts files never drift from the code).
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const ts = require('typescript')

const root = path.join(__dirname, '..')
const pkg = require('../package.json')

// The value (not type-only) names a .d.ts file exports, as TypeScript sees them.
function declaredValues(dtsFile) {
  const program = ts.createProgram([dtsFile], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node', 'react'],
    noEmit: true,
  })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(dtsFile)
  assert.ok(source, `${dtsFile} is readable`)
  const moduleSymbol = checker.getSymbolAtLocation(source)
  assert.ok(moduleSymbol, `${dtsFile} is a module`)
  return checker
    .getExportsOfModule(moduleSymbol)
    .filter((s) => {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s
      return (target.flags & ts.SymbolFlags.Value) !== 0
    })
    .map((s) => s.name)
    .filter((n) => n !== 'default')
    .sort()
}

const runtimeNames = (mod) =>
  Object.keys(mod)
    .filter((k) => k !== 'default' && k !== '__esModule' && k !== 'module.exports')
    .sort()

for (const [entry, target] of Object.entries(pkg.exports)) {
  if (typeof target === 'string') continue // ./package.json
  const specifier = path.posix.join(pkg.name, entry)
  test(`${specifier}: require and import give the same API, and it matches its types`, async () => {
    const required = require(specifier)
    const imported = await import(specifier)
    const cjs = runtimeNames(required)
    assert.ok(cjs.length > 0, `${specifier} exports something`)
    for (const name of cjs) {
      assert.equal(imported[name], required[name], `import { ${name} } is the required value`)
    }
    assert.deepEqual(
      runtimeNames(imported),
      cjs,
      `named ESM exports equal the CommonJS keys: update the list in ${target.import}`,
    )
    const declared = declaredValues(path.join(root, target.types))
    assert.deepEqual(
      cjs.filter((n) => !declared.includes(n)),
      [],
      `runtime exports of ${specifier} missing from ${target.types}`,
    )
    assert.deepEqual(
      declared.filter((n) => !cjs.includes(n)),
      [],
      `${target.types} declares values that ${specifier} does not export`,
    )
  })
}
