#!/usr/bin/env node

// `tsc --noEmit --strict` over types-test/ (see types-test/tsconfig.json), with one difference:
// declaration files are checked too (skipLibCheck off), so errors inside this package's own
// .d.ts files are caught, while errors inside node_modules (Next.js ships .d.ts files that do
// not check on their own) are ignored. Exits 1 on any error in our files.
const path = require('node:path')
const ts = require('typescript')

const root = path.join(__dirname, '..')
const configPath = path.join(root, 'types-test', 'tsconfig.json')
const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile)
if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'))
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(configPath))
const program = ts.createProgram(parsed.fileNames, { ...parsed.options, skipLibCheck: false })

const ours = (file) => !file?.fileName.split(path.sep).join('/').includes('/node_modules/')
const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => ours(d.file))
const host = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => root,
  getNewLine: () => '\n',
}
if (diagnostics.length > 0) {
  process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, host))
  console.error(`\ntypes: ${diagnostics.length} error(s)`)
  process.exit(1)
}
const checked = program.getSourceFiles().filter(ours).length
console.log(
  `types: ${parsed.fileNames.length} type tests and ${checked} files of ours check strictly`,
)
