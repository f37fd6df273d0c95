// Packaging: the per-platform npm/ packages, the loader's errors, the export conditions that
// keep the addon out of browser and Edge bundles, and what `npm pack` ships.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const pkg = require('../package.json')
const check = require('../js/shared/runtime-check')
// This machine's platform package suffix, e.g. linux-x64-gnu (CI runs these tests on every platform).
const here = check.platformId(check.currentFacts({ withLibc: true }))

function node(args, env = {}) {
  return spawnSync(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  })
}

// Runs `code` in a child process and returns the `code` and message of what it threw.
function thrownBy(code, { env, conditions } = {}) {
  const script = `try { ${code}; console.log(JSON.stringify({ ok: true })) } catch (e) {
    console.log(JSON.stringify({ code: e.code, message: e.message })) }`
  const args = [...(conditions || []).map((c) => `--conditions=${c}`), '-e', script]
  const res = node(args, env)
  assert.equal(res.status, 0, res.stderr)
  return JSON.parse(res.stdout.trim().split('\n').pop())
}

test('every napi target has its npm/ platform package, as napi-rs generates them', () => {
  const { parseTriple } = require('@napi-rs/cli')
  const ids = pkg.napi.targets.map((t) => parseTriple(t).platformArchABI)
  assert.deepEqual([...ids].sort(), [...check.SUPPORTED_PLATFORMS].sort())
  assert.deepEqual(fs.readdirSync(path.join(root, 'npm')).sort(), [...ids].sort())
  for (const target of pkg.napi.targets) {
    const t = parseTriple(target)
    const sub = require(`../npm/${t.platformArchABI}/package.json`)
    assert.equal(sub.name, `${pkg.name}-${t.platformArchABI}`)
    assert.equal(sub.version, pkg.version, 'platform packages move with the main version')
    assert.equal(sub.main, `${pkg.napi.binaryName}.${t.platformArchABI}.node`)
    assert.deepEqual(sub.files, [sub.main])
    assert.deepEqual(sub.os, [t.platform])
    assert.deepEqual(sub.cpu, [t.arch])
    if (t.abi === 'gnu') assert.deepEqual(sub.libc, ['glibc'])
    if (t.abi === 'musl') assert.deepEqual(sub.libc, ['musl'])
  }
  assert.equal(pkg.scripts.prepublishOnly, 'napi prepublish -t npm')
})

test('the platform id names the napi-rs package suffix', () => {
  const f = (platform, arch, musl = false) => check.platformId({ platform, arch, musl })
  assert.equal(f('linux', 'x64'), 'linux-x64-gnu')
  assert.equal(f('linux', 'x64', true), 'linux-x64-musl')
  assert.equal(f('linux', 'arm64'), 'linux-arm64-gnu')
  assert.equal(f('darwin', 'arm64'), 'darwin-arm64')
  assert.equal(f('win32', 'x64'), 'win32-x64-msvc')
  assert.ok(
    check.SUPPORTED_PLATFORMS.includes(here),
    `this machine (${here}) is a published platform`,
  )
})

test('runtimeProblem: Edge, browser bundle, no dlopen, and Node itself', () => {
  const node = { nodeVersion: '22.0.0', hasDlopen: true, hasWindow: false }
  assert.equal(check.runtimeProblem(node), null)
  assert.equal(check.runtimeProblem({ ...node, hasWindow: true }), null, 'jsdom globals in Node')
  const edge = check.runtimeProblem({ ...node, nextRuntime: 'edge' })
  assert.equal(edge.code, 'ERR_EDGE_RUNTIME')
  assert.match(edge.message, /runtime: 'nodejs'/)
  assert.match(edge.message, /proxy\.ts/)
  const browser = check.runtimeProblem({ hasWindow: true, hasDlopen: false })
  assert.equal(browser.code, 'ERR_CLIENT_BUNDLE')
  assert.match(browser.message, /next-api-layer-native\/client/)
  assert.match(browser.message, /serverExternalPackages/)
  const other = check.runtimeProblem({ nodeVersion: '22.0.0', hasDlopen: false })
  assert.equal(other.code, 'ERR_UNSUPPORTED_RUNTIME')
  assert.match(other.message, /process\.dlopen/)
})

test('bindingNotFoundError names the platform and the package to install', () => {
  const cause = new Error('loader said no')
  const facts = { platform: 'linux', arch: 'x64', musl: true, nodeVersion: '22.1.0' }
  const e = check.bindingNotFoundError(facts, cause)
  assert.equal(e.code, 'ERR_NATIVE_BINDING_NOT_FOUND')
  assert.match(e.message, /linux-x64-musl \(Node\.js 22\.1\.0\)/)
  assert.match(e.message, /npm install next-api-layer-native-linux-x64-musl/)
  assert.equal(e.cause, cause)
  const odd = check.bindingNotFoundError({ ...facts, platform: 'freebsd', musl: false }, cause)
  assert.equal(odd.code, 'ERR_UNSUPPORTED_PLATFORM')
  assert.match(odd.message, /freebsd-x64/)
  assert.match(odd.message, /npm run build/)
})

test('js/shared/native.js loads the real addon here', () => {
  const native = require('../js/shared/native')
  assert.equal(native.version(), pkg.version)
})

test('js/shared/native.js: a missing binary fails with ERR_NATIVE_BINDING_NOT_FOUND naming the platform', () => {
  const r = thrownBy("require('./js/shared/native')", {
    env: { NAPI_RS_NATIVE_LIBRARY_PATH: path.join(root, 'does-not-exist.node') },
  })
  assert.equal(r.code, 'ERR_NATIVE_BINDING_NOT_FOUND')
  assert.ok(r.message.includes(`${here} (Node.js ${process.versions.node})`), r.message)
  assert.ok(r.message.includes(`npm install next-api-layer-native-${here}`), r.message)
})

test('js/shared/native.js in the Edge runtime fails with ERR_EDGE_RUNTIME before touching the addon', () => {
  const r = thrownBy("require('./js/shared/native')", { env: { NEXT_RUNTIME: 'edge' } })
  assert.equal(r.code, 'ERR_EDGE_RUNTIME')
})

test('js/shared/native.js bundled (no serverExternalPackages): ERR_BUNDLED names the config fix', () => {
  // webpack gives the modules it bundles a __webpack_require__; the addon path is then unusable.
  const r = thrownBy("globalThis.__webpack_require__ = () => {}; require('./js/shared/native')", {
    env: { NAPI_RS_NATIVE_LIBRARY_PATH: path.join(root, 'does-not-exist.node') },
  })
  assert.equal(r.code, 'ERR_BUNDLED')
  assert.match(r.message, /bundled by webpack/)
  assert.match(r.message, /add 'next-api-layer-native' to serverExternalPackages in next\.config/)
  assert.doesNotMatch(r.message, /npm install/)
})

test('detectBundler: Node.js from node_modules, webpack, Turbopack, a moved module', () => {
  assert.equal(check.detectBundler(path.join(root, 'js', 'shared')), null)
  assert.equal(
    check.detectBundler('[project]/node_modules/next-api-layer-native/js/shared'),
    'Turbopack',
  )
  assert.equal(check.detectBundler(path.join(root, '.next', 'server', 'chunks')), 'a bundler')
  const e = check.bundledError('Turbopack', new Error('Cannot find module'))
  assert.equal(e.code, 'ERR_BUNDLED')
  assert.match(e.message, /serverExternalPackages/)
})

for (const entry of ['next-api-layer-native', 'next-api-layer-native/server']) {
  const name = entry.endsWith('/server') ? 'getServerUser' : 'createApiClient'
  test(`${entry}: the "browser" condition gives a stub whose ${name} throws ERR_CLIENT_BUNDLE`, () => {
    const r = thrownBy(`require(${JSON.stringify(entry)}).${name}({})`, { conditions: ['browser'] })
    assert.equal(r.code, 'ERR_CLIENT_BUNDLE')
    assert.match(r.message, /next-api-layer-native\/client/)
  })
  test(`${entry}: the "edge-light" condition gives a stub whose ${name} throws ERR_EDGE_RUNTIME`, () => {
    const r = thrownBy(`require(${JSON.stringify(entry)}).${name}({})`, {
      conditions: ['edge-light'],
    })
    assert.equal(r.code, 'ERR_EDGE_RUNTIME')
    assert.match(r.message, /runtime: 'nodejs'/)
  })
}

test('npm pack is lean: the runtime files and this platform binary, nothing from the workshop', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    shell: process.platform === 'win32', // npm is npm.cmd there
  })
  const [info] = JSON.parse(out)
  const files = info.files.map((f) => f.path)
  for (const must of [
    'package.json',
    'binding.js',
    'js/shared/native.js',
    'js/shared/runtime-check.js',
  ]) {
    assert.ok(files.includes(must), `${must} is packed`)
  }
  assert.ok(files.includes(`${pkg.napi.binaryName}.${here}.node`), 'the local binary travels')
  // Every file the manifest points at (exports for every condition, main, types, bin) is packed.
  const targets = new Set([pkg.main, pkg.types, ...Object.values(pkg.bin)])
  // Conditions nest (e.g. "browser": { "import", "default" }): collect every leaf.
  const leaves = (t) => (typeof t === 'string' ? [t] : Object.values(t).flatMap(leaves))
  for (const file of leaves(pkg.exports)) targets.add(file)
  for (const file of targets) {
    const rel = path.posix.normalize(file)
    assert.ok(files.includes(rel), `${rel} (referenced by package.json) is packed`)
    assert.ok(fs.existsSync(path.join(root, rel)), `${rel} exists`)
  }
  const banned =
    /^(target|src|__test__|examples|bench|npm|scripts|types-test|\.github|\.ci)\/|\.rs$|\.test\.|Cargo\.|\.tgz$/
  assert.deepEqual(
    files.filter((f) => banned.test(f)),
    [],
  )
  // The binary dominates; everything else together stays small.
  const nonBinary = info.files.filter((f) => !f.path.endsWith('.node'))
  const jsBytes = nonBinary.reduce((n, f) => n + f.size, 0)
  assert.ok(jsBytes < 1024 * 1024, `JS and docs are ${jsBytes} bytes`)
})
