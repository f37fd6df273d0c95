// `npx next-api-layer-native init` against fresh, minimal Next.js apps in temp dirs (no network).
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const bin = path.join(__dirname, '..', 'bin', 'init.js')
const pkg = require('../package.json')
const { addServerExternal } = require('../bin/init.js')

const made = []
test.after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true })
})

function app(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nalnative-init-'))
  made.push(dir)
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    fs.writeFileSync(path.join(dir, name), content)
  }
  return dir
}
const nextApp = (nextVersion, extra = {}) =>
  app({
    'package.json': JSON.stringify({
      name: 'fresh-app',
      private: true,
      dependencies: { next: nextVersion, react: '19.2.0', 'react-dom': '19.2.0' },
    }),
    'tsconfig.json': '{ "compilerOptions": { "strict": true } }\n',
    'next.config.ts': `import type { NextConfig } from 'next'\n\nconst nextConfig: NextConfig = {\n  reactStrictMode: true,\n}\n\nexport default nextConfig\n`,
    'app/page.tsx': 'export default function Page() { return null }\n',
    ...extra,
  })
// stdin is a pipe, not a TTY: init never prompts and never overwrites without --force.
function init(dir, ...args) {
  const r = spawnSync(process.execPath, [bin, 'init', ...args], {
    cwd: dir,
    encoding: 'utf8',
    input: '',
  })
  return { code: r.status, out: r.stdout, err: r.stderr }
}
const read = (dir, f) => fs.readFileSync(path.join(dir, f), 'utf8')
const exists = (dir, f) => fs.existsSync(path.join(dir, f))

test('the package exposes the init command as its bin', () => {
  assert.equal(pkg.bin['next-api-layer-native'], 'bin/init.js')
  assert.ok(pkg.files.includes('bin/'))
  assert.match(fs.readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/)
})

test('Next.js 16 app: scaffolds proxy.ts, lib/api.ts, the API routes, .env.example, next.config', () => {
  const dir = nextApp('^16.0.0')
  const r = init(dir)
  assert.equal(r.code, 0, r.err)
  assert.match(r.out, /Next\.js \^16\.0\.0/)
  for (const f of [
    'proxy.ts',
    'lib/api.ts',
    'app/api/[...path]/route.ts',
    'app/api/auth/[action]/route.ts',
    'app/providers.tsx',
    '.env.example',
  ]) {
    assert.ok(exists(dir, f), `${f} created`)
    assert.match(r.out, new RegExp(`created\\s+${f.replace(/[[\].]/g, '\\$&')}`))
  }
  assert.ok(!exists(dir, 'middleware.ts'), 'no middleware.ts on Next 16')
  const proxy = read(dir, 'proxy.ts')
  assert.match(proxy, /export const proxy = authProxy/)
  assert.match(proxy, /from 'next-api-layer-native'/)
  assert.doesNotMatch(proxy, /runtime:/)
  assert.match(read(dir, 'app/api/[...path]/route.ts'), /createProxyHandler/)
  assert.match(read(dir, 'lib/api.ts'), /createApiClient/)
  assert.match(read(dir, 'app/providers.tsx'), /^'use client'\n/)
  assert.match(read(dir, '.env.example'), /^API_BASE_URL=/m)
  assert.match(read(dir, '.env.example'), /^CSRF_SECRET=/m)
  const config = read(dir, 'next.config.ts')
  assert.match(config, /serverExternalPackages: \['next-api-layer-native'\],/)
  assert.match(config, /reactStrictMode: true/, 'existing config kept')
  assert.match(r.out, /updated\s+next\.config\.ts/)
  assert.match(r.out, /npm install next-api-layer-native/)
})

test('Next.js 15.5 app: middleware.ts with the Node.js runtime and a default export', () => {
  const dir = nextApp('15.5.29')
  const r = init(dir)
  assert.equal(r.code, 0, r.err)
  assert.ok(exists(dir, 'middleware.ts'))
  assert.ok(!exists(dir, 'proxy.ts'))
  const mw = read(dir, 'middleware.ts')
  assert.match(mw, /export default authProxy/)
  assert.match(mw, /runtime: 'nodejs'/)
})

test('the installed next version wins over the declared range', () => {
  const dir = nextApp('latest', {
    'node_modules/next/package.json': JSON.stringify({ name: 'next', version: '15.5.3' }),
  })
  const r = init(dir)
  assert.equal(r.code, 0, r.err)
  assert.ok(exists(dir, 'middleware.ts'))
  assert.match(r.out, /Next\.js 15\.5\.3 \(node_modules\)/)
})

test('never overwrites without --force; --force overwrites; a second run changes nothing', () => {
  const dir = nextApp('16.4.6', { 'proxy.ts': '// mine\n' })
  let r = init(dir)
  assert.equal(r.code, 0, r.err)
  assert.equal(read(dir, 'proxy.ts'), '// mine\n')
  assert.match(
    r.out,
    /skipped\s+proxy\.ts \(exists; not a terminal, so not asked; --force overwrites\)/,
  )
  const before = read(dir, 'next.config.ts')
  r = init(dir)
  assert.equal(r.code, 0, r.err)
  assert.match(r.out, /unchanged\s+lib\/api\.ts/)
  assert.match(r.out, /unchanged\s+next\.config\.ts/)
  assert.equal(read(dir, 'next.config.ts'), before, 'config not edited twice')
  r = init(dir, '--force')
  assert.equal(r.code, 0, r.err)
  assert.match(r.out, /overwrote\s+proxy\.ts/)
  assert.match(read(dir, 'proxy.ts'), /createAuthProxy/)
})

test('src/ layout, JavaScript app, no next.config: files go under src/ and a config is created', () => {
  const dir = app({
    'package.json': JSON.stringify({
      dependencies: { next: '16.1.0', 'next-api-layer-native': '^0.1.0' },
    }),
    'src/app/page.jsx': 'export default function Page() { return null }\n',
  })
  const r = init(dir)
  assert.equal(r.code, 0, r.err)
  for (const f of [
    'src/proxy.js',
    'src/lib/api.js',
    'src/app/api/[...path]/route.js',
    'next.config.mjs',
  ]) {
    assert.ok(exists(dir, f), `${f} created`)
  }
  assert.match(read(dir, 'next.config.mjs'), /serverExternalPackages: \['next-api-layer-native'\]/)
  assert.doesNotMatch(r.out, /npm install next-api-layer-native/, 'already a dependency')
})

test('next.config edits: existing list, module.exports, unknown shape printed instead', () => {
  assert.equal(
    addServerExternal("export default { serverExternalPackages: ['sharp'] }").source,
    "export default { serverExternalPackages: ['next-api-layer-native', 'sharp'] }",
  )
  assert.equal(
    addServerExternal('module.exports = {\n  serverExternalPackages: [],\n}').source,
    "module.exports = {\n  serverExternalPackages: ['next-api-layer-native'],\n}",
  )
  assert.match(
    addServerExternal('module.exports = {\n  output: "standalone",\n}').source,
    /module\.exports = \{\n {2}serverExternalPackages: \['next-api-layer-native'\],\n {2}output/,
  )
  assert.equal(addServerExternal("module.exports = withPlugin(require('./cfg'))"), null)
  const dir = nextApp('16.0.0', {
    'next.config.ts': "export default withPlugins(require('./cfg'))\n",
  })
  const r = init(dir)
  assert.equal(r.code, 0, r.err)
  assert.match(r.out, /manual\s+next\.config\.ts/)
  assert.equal(read(dir, 'next.config.ts'), "export default withPlugins(require('./cfg'))\n")
})

test("create-next-app's own next.config files (double quotes, semicolons) are edited in place", () => {
  const ts = `import type { NextConfig } from "next";\n\nconst nextConfig: NextConfig = {\n  /* config options here */\n};\n\nexport default nextConfig;\n`
  assert.equal(
    addServerExternal(ts).source,
    `import type { NextConfig } from "next";\n\nconst nextConfig: NextConfig = {\n  serverExternalPackages: ['next-api-layer-native'],\n  /* config options here */\n};\n\nexport default nextConfig;\n`,
  )
  const mjs = `/** @type {import('next').NextConfig} */\nconst nextConfig = {};\n\nexport default nextConfig;\n`
  const edited = addServerExternal(mjs).source
  assert.match(
    edited,
    /const nextConfig = \{\n {2}serverExternalPackages: \['next-api-layer-native'\],\}/,
  )
  // The result is still a valid module that exports the setting.
  const body = edited.replace('export default nextConfig;', 'return nextConfig;')
  assert.deepEqual(new Function(body)().serverExternalPackages, ['next-api-layer-native'])
})

test('refuses apps that are not Next.js 15+ with a clear message and exit code 2', () => {
  let r = init(nextApp('14.2.0'))
  assert.equal(r.code, 2)
  assert.match(r.err, /Next\.js 14\.2\.0 is too old/)
  r = init(app({ 'package.json': '{"dependencies":{}}' }))
  assert.equal(r.code, 2)
  assert.match(r.err, /not a Next\.js app/)
  r = init(app({}))
  assert.equal(r.code, 2)
  assert.match(r.err, /no package\.json/)
})

test('--dry-run writes nothing', () => {
  const dir = nextApp('16.0.0')
  const before = read(dir, 'next.config.ts')
  const r = init(dir, '--dry-run')
  assert.equal(r.code, 0, r.err)
  assert.match(r.out, /created\s+proxy\.ts/)
  assert.ok(!exists(dir, 'proxy.ts'))
  assert.equal(read(dir, 'next.config.ts'), before)
})

test('on a terminal it asks before overwriting: "n" keeps the file, "y" overwrites it', (t) => {
  // util-linux `script` gives the child a real pseudo-terminal.
  if (spawnSync('script', ['--version']).status !== 0) {
    t.skip('util-linux `script` is not installed, so no pseudo-terminal can be made')
    return
  }
  const dir = nextApp('16.0.0', { 'proxy.ts': '// mine\n', 'lib/api.ts': '// mine too\n' })
  // Answers arrive in order: proxy.ts first, then lib/api.ts.
  const r = spawnSync('script', ['-qec', `node ${JSON.stringify(bin)} init`, '/dev/null'], {
    cwd: dir,
    encoding: 'utf8',
    input: 'n\ny\n',
  })
  assert.equal(r.status, 0, r.stdout + r.stderr)
  assert.match(r.stdout, /proxy\.ts exists\. Overwrite\? \[y\/N\]/)
  assert.equal(read(dir, 'proxy.ts'), '// mine\n')
  assert.match(read(dir, 'lib/api.ts'), /createApiClient/)
  assert.match(r.stdout, /skipped\s+proxy\.ts \(exists; --force overwrites\)/)
  assert.match(r.stdout, /overwrote\s+lib\/api\.ts/)
})

// ---- apps exactly as create-next-app makes them today (examples/create-next-app, refresh.sh) ----

const fixtures = path.join(__dirname, '..', 'examples', 'create-next-app')
function fromFixture(name, edit) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `nalnative-init-${name}-`))
  made.push(dir)
  fs.cpSync(path.join(fixtures, name), dir, { recursive: true })
  if (edit) edit(dir)
  return dir
}
const {
  LAYOUT_IMPORTS,
  LAYOUT_BODY,
  envLocalWithSecret,
  addSessionToLayout,
} = require('../bin/init.js')

// Every path the output names (created/updated lines and next steps) exists after the run.
function assertNamedFilesExist(dir, out) {
  const named = [
    ...out.matchAll(/(?:^|\s)((?:src\/)?(?:[\w.[\]-]+\/)*[\w.[\]-]+\.(?:tsx?|jsx?|mjs))\b/g),
  ]
    .map((m) => m[1])
    .filter((f) => !f.startsWith('next-api-layer-native') && f !== 'Next.js')
  assert.ok(named.length > 0)
  for (const f of named) assert.ok(exists(dir, f), `${f} (named in the output) exists`)
}

for (const [fixture, base, ext] of [
  ['default', '', 'ts'],
  ['src-dir', 'src/', 'ts'],
  ['js', '', 'js'],
]) {
  test(`create-next-app ${fixture}: files, layout with <Session> in <Suspense>, .env.local secret, next steps`, () => {
    const dir = fromFixture(fixture)
    const r = init(dir)
    assert.equal(r.code, 0, r.err)
    for (const f of [
      `proxy.${ext}`,
      `lib/backend.${ext}`,
      `lib/api.${ext}`,
      `app/api/[...path]/route.${ext}`,
      `app/api/auth/[action]/route.${ext}`,
      `app/providers.${ext}x`,
      `app/session.${ext}x`,
    ]) {
      assert.ok(exists(dir, base + f), `${base}${f} created`)
    }
    const layout = read(dir, `${base}app/layout.${ext === 'ts' ? 'tsx' : 'js'}`)
    assert.match(
      layout,
      /import \{ Suspense \} from "react";\nimport \{ Session \} from "\.\/session";/,
    )
    assert.match(
      layout,
      /<body className="[^"]*">\n\s+<Suspense>\n\s+<Session>\{children\}<\/Session>\n\s+<\/Suspense>\n\s+<\/body>/,
    )
    assert.match(r.out, new RegExp(`updated\\s+${base}app/layout`))
    // A random secret, ready for `npm run dev` and `next build` (Next.js loads .env.local).
    const env = read(dir, '.env.local')
    assert.match(env, /^CSRF_SECRET=[A-Za-z0-9_-]{43}$/m)
    assert.match(env, /^# API_BASE_URL=http:\/\/localhost:8000\/api$/m)
    assert.match(r.out, /created\s+\.env\.local \(a random CSRF_SECRET\)/)
    // The steps name only files init wrote, never the AuthProvider wrapping it already did.
    const steps = r.out.slice(r.out.indexOf('Next steps:'))
    assert.doesNotMatch(steps, /AuthProvider|cp \.env\.example/)
    assert.match(steps, /1\. npm install next-api-layer-native/)
    assert.match(
      steps,
      new RegExp(
        `set API_BASE_URL in \\.env\\.local .*${base}lib/backend\\.${ext} says so at start`,
      ),
    )
    assertNamedFilesExist(dir, r.out)
    // Generated sources import each other by paths that exist.
    for (const f of [
      `proxy.${ext}`,
      `lib/api.${ext}`,
      `app/api/[...path]/route.${ext}`,
      `app/api/auth/[action]/route.${ext}`,
    ]) {
      const src = read(dir, base + f)
      const m = src.match(/from '(\.[^']+)'/)
      assert.ok(m, `${f} imports lib/backend`)
      const target = path.join(dir, base, path.dirname(f), m[1])
      assert.ok(exists(dir, path.relative(dir, `${target}.${ext}`)), `${f} -> ${m[1]}`)
    }
    // A second run keeps the secret and touches nothing.
    const again = init(dir)
    assert.equal(again.code, 0, again.err)
    assert.equal(read(dir, '.env.local'), env)
    assert.match(again.out, /unchanged\s+\.env\.local \(has a CSRF_SECRET\)/)
    assert.match(again.out, /unchanged\s+.*layout\.\w+ \(already renders <Session>\)/)
  })
}

test('create-next-app default with Next.js 15.5: middleware.ts on the Node.js runtime', () => {
  const dir = fromFixture('default', (d) => {
    const p = JSON.parse(read(d, 'package.json'))
    p.dependencies.next = '15.5.9'
    fs.writeFileSync(path.join(d, 'package.json'), JSON.stringify(p, null, 2))
  })
  const r = init(dir)
  assert.equal(r.code, 0, r.err)
  assert.match(read(dir, 'middleware.ts'), /runtime: 'nodejs'/)
  assert.ok(!exists(dir, 'proxy.ts'))
  assert.match(read(dir, 'app/layout.tsx'), /<Session>\{children\}<\/Session>/)
  assertNamedFilesExist(dir, r.out)
})

test('.env.local: an existing secret is never replaced, an empty one is filled, others are kept', () => {
  assert.deepEqual(envLocalWithSecret('CSRF_SECRET=mine-0123456789\n'), { action: 'unchanged' })
  assert.deepEqual(envLocalWithSecret('export CSRF_SECRET="quoted"\n'), { action: 'unchanged' })
  const filled = envLocalWithSecret('A=1\nCSRF_SECRET=\nB=2\n')
  assert.equal(filled.action, 'filled')
  assert.match(filled.source, /^A=1\nCSRF_SECRET=[A-Za-z0-9_-]{43}\nB=2\n$/)
  const appended = envLocalWithSecret('A=1')
  assert.equal(appended.action, 'appended')
  assert.match(appended.source, /^A=1\n# .*\nCSRF_SECRET=[A-Za-z0-9_-]{43}\n$/)
  assert.notEqual(envLocalWithSecret(null).source, envLocalWithSecret(null).source, 'random')
  // Through the command: an existing .env.local keeps its lines and its secret.
  const dir = fromFixture('default', (d) =>
    fs.writeFileSync(
      path.join(d, '.env.local'),
      'CSRF_SECRET=keep-me-0123456789-0123456789-0123\n',
    ),
  )
  const r = init(dir)
  assert.equal(r.code, 0, r.err)
  assert.equal(read(dir, '.env.local'), 'CSRF_SECRET=keep-me-0123456789-0123456789-0123\n')
})

test('a layout of another shape is left alone and the change is printed as a next step', () => {
  assert.equal(
    addSessionToLayout('export default function L({ children }) { return children }'),
    null,
  )
  const dir = nextApp('16.4.6', {
    'app/layout.tsx': 'export default function L({ children }) { return <>{children}</> }\n',
  })
  const r = init(dir)
  assert.equal(r.code, 0, r.err)
  assert.match(r.out, /manual\s+app\/layout\.tsx/)
  const steps = r.out.slice(r.out.indexOf('Next steps:'))
  assert.match(steps, /in app\/layout\.tsx, render the session around \{children\} inside <body>:/)
  for (const line of [...LAYOUT_IMPORTS.split('\n'), ...LAYOUT_BODY.split('\n')]) {
    assert.ok(steps.includes(line), `next steps show: ${line}`)
  }
})

test("the README's quick start shows the layout init writes and the steps it prints", () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
  for (const line of LAYOUT_IMPORTS.split('\n')) assert.ok(readme.includes(line), line)
  assert.ok(readme.includes('<Session>{children}</Session>'))
  assert.ok(readme.includes('export async function Session('))
  assert.doesNotMatch(readme, /cp \.env\.example \.env\.local/)
  assert.match(readme, /npx next-api-layer-native init/)
})
