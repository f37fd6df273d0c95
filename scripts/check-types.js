#!/usr/bin/env node

// `tsc --noEmit --strict` over types-test/ (see types-test/tsconfig.json), with one difference:
// declaration files are checked too (skipLibCheck off), so errors inside this package's own
// .d.ts files are caught, while errors inside node_modules (Next.js ships .d.ts files that do
// not check on their own) are ignored. Exits 1 on any error in our files.
// The files `npx next-api-layer-native init` scaffolds (Next.js 16 and 15 flavours) are checked
// the same way, so the templates never drift from the types.
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const ts = require('typescript')

const root = path.join(__dirname, '..')
const configPath = path.join(root, 'types-test', 'tsconfig.json')
const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile)
if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'))
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(configPath))

// Scaffold into a temp dir inside the package (so 'next-api-layer-native' resolves to this
// package by self-reference, as it resolves to the installed package in a user's app).
function scaffold(dir) {
  const files = []
  for (const [flavour, next] of [
    ['next16', '16.0.0'],
    ['next15', '15.5.0'],
  ]) {
    const app = path.join(dir, flavour)
    fs.mkdirSync(app, { recursive: true })
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ dependencies: { next } }))
    fs.writeFileSync(path.join(app, 'tsconfig.json'), '{}')
    const init = path.join(root, 'bin', 'init.js')
    const r = spawnSync(process.execPath, [init, 'init', '--dir', app], {
      encoding: 'utf8',
      input: '',
    })
    if (r.status !== 0) throw new Error(`init failed: ${r.stdout}${r.stderr}`)
    fs.rmSync(path.join(app, 'package.json'))
    fs.rmSync(path.join(app, 'tsconfig.json'))
    const walk = (d) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name)
        if (e.isDirectory()) walk(p)
        else if (p.endsWith('.ts') || p.endsWith('.tsx')) files.push(p)
      }
    }
    walk(app)
  }
  return files
}

const ours = (file) => !file?.fileName.split(path.sep).join('/').includes('/node_modules/')
const scaffoldDir = fs.mkdtempSync(path.join(root, 'types-test', '.scaffold-'))
let program
let diagnostics
try {
  const rootNames = [...parsed.fileNames, ...scaffold(scaffoldDir)]
  program = ts.createProgram(rootNames, { ...parsed.options, skipLibCheck: false })
  diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => ours(d.file))
} finally {
  fs.rmSync(scaffoldDir, { recursive: true, force: true })
}

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
  `types: ${parsed.fileNames.length} type tests, the init templates and ${checked} files of ours check strictly`,
)
