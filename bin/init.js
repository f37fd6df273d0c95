#!/usr/bin/env node

// `npx next-api-layer-native init`: scaffolds the layer into an existing Next.js app.
// Writes proxy.ts (Next.js 16) or middleware.ts (Next.js 15.5, Node.js runtime), lib/backend.ts,
// lib/api.ts, the catch-all API route, the auth routes, app/providers.tsx, app/session.tsx,
// .env.example and a random CSRF_SECRET into .env.local; adds the package to
// serverExternalPackages in next.config and the session to the root layout (inside <Suspense>, so
// the app builds and streams with Cache Components). Never overwrites a file without asking (a
// prompt on a TTY; otherwise the file is skipped and reported); `--force` overwrites. .env.local
// is only ever appended to, and an existing non-empty CSRF_SECRET is never touched.

const fs = require('node:fs')
const path = require('node:path')
const crypto = require('node:crypto')
const readline = require('node:readline')

const PKG = 'next-api-layer-native'

const HELP = `Usage: npx ${PKG} init [options]

Scaffolds ${PKG} into the Next.js app in the current directory.

Options:
  --dir <path>   the app's directory (default: the current directory)
  --force        overwrite existing files without asking
  --dry-run      print what would be done, write nothing
  -h, --help     show this help
`

function parseArgs(argv) {
  const opts = { command: undefined, dir: process.cwd(), force: false, dryRun: false, help: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--force' || a === '-f') opts.force = true
    else if (a === '--dry-run') opts.dryRun = true
    else if (a === '-h' || a === '--help') opts.help = true
    else if (a === '--dir') opts.dir = path.resolve(argv[++i] ?? '.')
    else if (a.startsWith('--dir=')) opts.dir = path.resolve(a.slice(6))
    else if (!a.startsWith('-') && opts.command === undefined) opts.command = a
    else throw usageError(`unknown argument: ${a}`)
  }
  return opts
}

function usageError(message) {
  const e = new Error(message)
  e.code = 'ERR_USAGE'
  return e
}

/** The major version of Next.js the app uses: the installed one, else the one package.json asks for. */
function detectNextMajor(dir, pkg) {
  try {
    const installed = JSON.parse(
      fs.readFileSync(path.join(dir, 'node_modules', 'next', 'package.json'), 'utf8'),
    )
    const major = Number.parseInt(String(installed.version).split('.')[0], 10)
    if (Number.isFinite(major)) return { major, version: installed.version, from: 'node_modules' }
  } catch {
    // not installed yet: fall back to the declared range
  }
  const range = pkg.dependencies?.next || pkg.devDependencies?.next
  if (!range) return null
  if (/^(latest|canary|rc|next)$/.test(range))
    return { major: 16, version: range, from: 'package.json' }
  const m = String(range).match(/(\d+)(?:\.(\d+))?/)
  if (!m) return null
  return {
    major: Number(m[1]),
    minor: m[2] ? Number(m[2]) : 0,
    version: range,
    from: 'package.json',
  }
}

// ---- templates (valid TypeScript and valid JavaScript alike: no type annotations) ----

function proxyFile({ next15 }) {
  const head = next15
    ? `// Next.js 15.5: middleware on the Node.js runtime. The native addon cannot run on the Edge
// runtime, so keep \`runtime: 'nodejs'\` in the config below.`
    : `// Next.js 16: proxy.ts always runs on the Node.js runtime.`
  const exportLine = next15 ? 'export default authProxy' : 'export const proxy = authProxy'
  const runtime = next15 ? `\n  runtime: 'nodejs',` : ''
  return `${head}
import { createAuthProxy } from '${PKG}'
import { API_BASE_URL } from './lib/backend'

const authProxy = createAuthProxy({
  apiBaseUrl: API_BASE_URL,
  cookies: { user: 'userToken', guest: 'guestToken' },
  guestToken: {
    enabled: Boolean(process.env.GUEST_USERNAME),
    credentials: {
      username: process.env.GUEST_USERNAME ?? '',
      password: process.env.GUEST_PASSWORD ?? '',
    },
  },
  access: {
    protectedRoutes: ['/dashboard', '/dashboard/**'],
    authRoutes: ['/login', '/register'],
  },
  // Same-origin requests pass by Fetch Metadata; others need the signed double-submit token.
  // init wrote a random CSRF_SECRET into .env.local; production needs one set in its environment
  // (construction fails without it; in development an empty one means a random per-process key).
  csrf: { enabled: true, secret: process.env.CSRF_SECRET },
  // Rate limiting keys on the client IP: behind a reverse proxy set trustedProxies, e.g.
  // rateLimit: { trustedProxies: 1, routes: [{ match: '/api/auth/login', maxRequests: 10 }] },
})

${exportLine}

export const config = {${runtime}
  // Everything except Next's static assets and image optimizer.
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
}
`
}

function apiClientFile() {
  return `// The server-side API client: route handlers, server actions and server components.
// Sends the user's token from the cookies, sanitizes HTML in responses natively.
import { createApiClient } from '${PKG}'
import { API_BASE_URL } from './backend'

export const api = createApiClient({
  apiBaseUrl: API_BASE_URL,
  cookies: { user: 'userToken', guest: 'guestToken' },
})
`
}

function catchAllRouteFile() {
  return `// Forwards /api/* from the browser to the backend with the user's token (streams both ways).
import { createProxyHandler } from '${PKG}'
import { API_BASE_URL } from '../../../lib/backend'

export const { GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS } = createProxyHandler({
  apiBaseUrl: API_BASE_URL,
  userCookieName: 'userToken',
  guestCookieName: 'guestToken',
})
`
}

function authRoutesFile() {
  return `// /api/auth/login, /logout, /me, /refresh, /register: set and clear the httpOnly token cookies.
// This is what AuthProvider (${PKG}/client) talks to by default.
import { createAuthRoutes } from '${PKG}'
import { API_BASE_URL } from '../../../../lib/backend'

const auth = createAuthRoutes({
  apiBaseUrl: API_BASE_URL,
  cookies: { user: 'userToken', guest: 'guestToken' },
})

export const { GET, POST } = auth
`
}

function nextConfigFile({ ts }) {
  if (ts) {
    return `import type { NextConfig } from 'next'

const nextConfig: NextConfig = {
  // ${PKG} carries a native addon: Node.js must load it, the bundler must not.
  serverExternalPackages: ['${PKG}'],
}

export default nextConfig
`
  }
  return `/** @type {import('next').NextConfig} */
const nextConfig = {
  // ${PKG} carries a native addon: Node.js must load it, the bundler must not.
  serverExternalPackages: ['${PKG}'],
}

export default nextConfig
`
}

const DEFAULT_BASE_URL = 'http://localhost:8000/api'

function backendFile() {
  return `// Where the JWT backend is: API_BASE_URL (.env.local in development, the environment in
// production). Unset, the default below is assumed, and the server says so once at start
// instead of only reporting later that the URL is unreachable.
const DEFAULT_API_BASE_URL = '${DEFAULT_BASE_URL}'

export const API_BASE_URL = process.env.API_BASE_URL || DEFAULT_API_BASE_URL

// proxy.ts and every route load this module: warn once per process, not once per bundle.
const WARNED = Symbol.for('${PKG}.apiBaseUrlWarned')
if (!process.env.API_BASE_URL && !Reflect.get(globalThis, WARNED)) {
  Reflect.set(globalThis, WARNED, true)
  console.warn(
    \`[${PKG}] API_BASE_URL is not set: assuming \${DEFAULT_API_BASE_URL}. Set API_BASE_URL in .env.local (development) or the environment (production).\`,
  )
}
`
}

function providersFile() {
  return `'use client'
// The app's client boundary for the auth state. The package is in serverExternalPackages (native
// addon), so Next.js does not see the 'use client' inside it: server components (app/session)
// render AuthProvider from this file. Client components import useAuth from '${PKG}/client'.
export { AuthProvider } from '${PKG}/client'
`
}

// The user, read on the server, handed to AuthProvider. The root layout renders it inside
// <Suspense>: it reads the request's cookies, so under Cache Components (Next.js 16's default)
// it streams into the static shell instead of failing the build.
function sessionFile({ ts }) {
  const props = ts ? '{ children }: { children: ReactNode }' : '{ children }'
  const typeImport = ts ? `import type { ReactNode } from 'react'\n` : ''
  return `// The signed-in user (or null) for AuthProvider, read from this request's cookies.
// app/layout renders <Session> inside <Suspense>: request data under Cache Components.
import { getServerUser } from '${PKG}/server'
${typeImport}import { AuthProvider } from './providers'

export async function Session(${props}) {
  const { user, isAuthenticated } = await getServerUser()
  return <AuthProvider initialUser={isAuthenticated ? user : null}>{children}</AuthProvider>
}
`
}

// What the root layout needs, shown in the next steps when init cannot edit the layout itself.
const LAYOUT_IMPORTS = `import { Suspense } from 'react'\nimport { Session } from './session'`
const LAYOUT_BODY = `<Suspense>\n  <Session>{children}</Session>\n</Suspense>`

/**
 * Puts <Session> (inside <Suspense>) around the children of <body> in a root layout shaped like
 * create-next-app's (`<body ...>{children}</body>`), adding the two imports after the last one.
 * Returns null when the layout has another shape (the caller prints the change instead).
 */
function addSessionToLayout(source) {
  if (/\bSession\b/.test(source) && source.includes('./session')) return { source, changed: false }
  const body = source.match(/(<body\b[^>]*>)\s*\{children\}\s*<\/body>/)
  if (!body) return null
  const indent = (source.slice(0, body.index).match(/[ \t]*$/) || [''])[0]
  const wrapped = `${body[1]}\n${indent}  <Suspense>\n${indent}    <Session>{children}</Session>\n${indent}  </Suspense>\n${indent}</body>`
  const out = source.slice(0, body.index) + wrapped + source.slice(body.index + body[0].length)
  // In the file's own style: create-next-app writes double quotes and semicolons.
  const semi = /^import[^\n]*;\s*$/m.test(source) ? ';' : ''
  const q = /^import[^\n]*"\s*;?\s*$/m.test(source) ? '"' : "'"
  const hasSuspense = /import\s*\{[^}]*\bSuspense\b[^}]*\}\s*from\s*['"]react['"]/.test(source)
  const lines =
    (hasSuspense ? '' : `import { Suspense } from ${q}react${q}${semi}\n`) +
    `import { Session } from ${q}./session${q}${semi}\n`
  return { source: insertAfterImports(out, lines), changed: true }
}

/** Inserts `text` (whole lines) after the last import statement (which may span lines). */
function insertAfterImports(source, text) {
  const lines = source.split('\n')
  let after = 0
  let inImport = false
  for (let i = 0; i < lines.length; i++) {
    if (/^import\b/.test(lines[i])) inImport = true
    if (inImport && /['"];?\s*$/.test(lines[i])) {
      inImport = false
      after = i + 1
    }
  }
  lines.splice(after, 0, text.replace(/\n$/, ''))
  return lines.join('\n')
}

/**
 * .env.local with a CSRF_SECRET: created, appended to, or an empty `CSRF_SECRET=` filled in.
 * A non-empty secret is never replaced. Returns { source, action } or { action: 'unchanged' }.
 */
function envLocalWithSecret(current) {
  const secret = crypto.randomBytes(32).toString('base64url')
  const line = `CSRF_SECRET=${secret}`
  const header = `# ${PKG}: signs the CSRF double-submit tokens (written by init; keep it out of git).\n`
  if (current === null) {
    return {
      action: 'created',
      source: `${header}${line}\n# The JWT backend (unset: ${DEFAULT_BASE_URL} is assumed, and the server says so).\n# API_BASE_URL=${DEFAULT_BASE_URL}\n`,
    }
  }
  const existing = current.match(/^[ \t]*(?:export[ \t]+)?CSRF_SECRET[ \t]*=[ \t]*(.*)$/m)
  if (existing) {
    const value = existing[1].replace(/^(['"])(.*)\1\s*$/, '$2').trim()
    if (value && !value.startsWith('#')) return { action: 'unchanged' }
    const source =
      current.slice(0, existing.index) + line + current.slice(existing.index + existing[0].length)
    return { action: 'filled', source }
  }
  const sep = current === '' || current.endsWith('\n') ? '' : '\n'
  return { action: 'appended', source: `${current}${sep}${header}${line}\n` }
}

const ENV_EXAMPLE = `# ${PKG}: copy to .env.local and fill in.
# The backend's base URL (the auth endpoints auth/me, auth/refresh, auth/guest live under it).
API_BASE_URL=http://localhost:8000/api
# Guest tokens: the credentials the proxy uses to ask the backend for a guest token (optional).
GUEST_USERNAME=
GUEST_PASSWORD=
# CSRF double-submit signing key: required in production (32+ random characters). init wrote one
# into .env.local; empty here means a random per-process key in development (with a warning).
# Generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"
CSRF_SECRET=
`

// ---- next.config editing ----

const CONFIG_NAMES = ['next.config.ts', 'next.config.mjs', 'next.config.js', 'next.config.cjs']

/**
 * Adds the package to serverExternalPackages in the config source, or returns null when the
 * file's shape is not one we can edit with certainty (the caller then prints what to add).
 */
function addServerExternal(source) {
  if (source.includes(`'${PKG}'`) || source.includes(`"${PKG}"`)) return { source, changed: false }
  const existing = source.match(/serverExternalPackages\s*:\s*\[/)
  if (existing) {
    const at = existing.index + existing[0].length
    const rest = source.slice(at)
    const sep = /^\s*\]/.test(rest) ? '' : ', '
    return { source: `${source.slice(0, at)}'${PKG}'${sep}${rest}`, changed: true }
  }
  const objectStarts = [
    /(const|let|var)\s+\w+\s*(:\s*NextConfig\s*)?=\s*\{/,
    /module\.exports\s*=\s*\{/,
    /export\s+default\s+\{/,
  ]
  for (const re of objectStarts) {
    const m = source.match(re)
    if (m) {
      const at = m.index + m[0].length
      const line = `\n  serverExternalPackages: ['${PKG}'],`
      return { source: source.slice(0, at) + line + source.slice(at), changed: true }
    }
  }
  return null
}

// ---- file writing with the never-overwrite rule ----

// One line reader for the whole run: answers typed (or piped) ahead of their question are kept.
let reader
function ask(question) {
  if (!reader) {
    const rl = readline.createInterface({ input: process.stdin })
    reader = { rl, lines: [], waiters: [], closed: false }
    rl.on('line', (line) => {
      if (reader.waiters.length > 0) reader.waiters.shift()(line)
      else reader.lines.push(line)
    })
    rl.on('close', () => {
      reader.closed = true
      while (reader.waiters.length > 0) reader.waiters.shift()('')
    })
  }
  process.stdout.write(question)
  if (reader.lines.length > 0) return Promise.resolve(reader.lines.shift())
  if (reader.closed) return Promise.resolve('')
  return new Promise((resolve) => reader.waiters.push(resolve))
}

function closeReader() {
  if (reader) reader.rl.close()
  reader = undefined
}

async function main(argv, io = { log: console.log, error: console.error }) {
  const opts = parseArgs(argv)
  if (opts.help || opts.command === undefined) {
    io.log(HELP)
    return opts.help ? 0 : 1
  }
  if (opts.command !== 'init') throw usageError(`unknown command: ${opts.command} (try: init)`)

  const dir = opts.dir
  const pkgPath = path.join(dir, 'package.json')
  if (!fs.existsSync(pkgPath)) {
    throw usageError(`no package.json in ${dir}: run this in the root of your Next.js app`)
  }
  const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8'))
  const next = detectNextMajor(dir, pkg)
  if (!next) throw usageError(`next is not a dependency in ${pkgPath}: this is not a Next.js app`)
  if (next.major < 15) {
    throw usageError(
      `Next.js ${next.version} is too old: ${PKG} needs Next.js 16 (proxy.ts) or 15.5+ (middleware.ts on the Node.js runtime)`,
    )
  }
  const next15 = next.major === 15
  const ts = fs.existsSync(path.join(dir, 'tsconfig.json'))
  const ext = ts ? 'ts' : 'js'
  const base = fs.existsSync(path.join(dir, 'src', 'app')) ? path.join(dir, 'src') : dir
  const rel = (p) => path.relative(dir, p) || '.'
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !opts.force
  const report = []

  io.log(
    `${PKG} init: Next.js ${next.version} (${next.from}) -> ${rel(path.join(base, `${next15 ? 'middleware' : 'proxy'}.${ext}`))}, ${ts ? 'TypeScript' : 'JavaScript'}${base !== dir ? ', src/ layout' : ''}${opts.dryRun ? ' (dry run)' : ''}`,
  )
  if (next15 && next.minor !== undefined && next.minor < 5) {
    io.log(
      `  note: middleware on the Node.js runtime is stable from Next.js 15.5; upgrade next to ^15.5`,
    )
  }

  async function write(file, content) {
    const exists = fs.existsSync(file)
    if (exists && fs.readFileSync(file, 'utf8') === content) {
      report.push(`unchanged  ${rel(file)}`)
      return
    }
    if (exists && !opts.force) {
      let yes = false
      if (interactive && !opts.dryRun) {
        const answer = await ask(`${rel(file)} exists. Overwrite? [y/N] `)
        yes = /^y(es)?$/i.test(answer.trim())
      }
      if (!yes) {
        report.push(
          `skipped    ${rel(file)} (exists${interactive ? '' : '; not a terminal, so not asked'}; --force overwrites)`,
        )
        return
      }
    }
    if (!opts.dryRun) {
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, content)
    }
    report.push(`${exists ? 'overwrote ' : 'created   '} ${rel(file)}`)
  }

  // A random CSRF_SECRET in .env.local (Next.js loads it in dev and build), so the app works the
  // first time: an existing non-empty one is kept, an empty one is filled in.
  function writeEnvLocal() {
    const file = path.join(dir, '.env.local')
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null
    const r = envLocalWithSecret(current)
    if (r.action === 'unchanged') {
      report.push(`unchanged  ${rel(file)} (has a CSRF_SECRET)`)
      return
    }
    if (!opts.dryRun) fs.writeFileSync(file, r.source, { mode: 0o600 })
    const what = {
      created: 'created   ',
      appended: 'updated   ',
      filled: 'updated   ',
    }[r.action]
    const why = r.action === 'filled' ? 'filled in the empty CSRF_SECRET' : 'a random CSRF_SECRET'
    report.push(`${what} ${rel(file)} (${why})`)
  }

  // The root layout renders <Session> inside <Suspense> (create-next-app's shape is edited in
  // place; any other shape is left alone and the change is printed as a next step).
  function editLayout() {
    const name = ['tsx', 'jsx', 'js', 'ts']
      .map((e) => path.join(base, 'app', `layout.${e}`))
      .find((f) => fs.existsSync(f))
    if (!name) return { file: path.join(base, 'app', `layout.${ext}x`), done: false }
    const edited = addSessionToLayout(fs.readFileSync(name, 'utf8'))
    if (!edited) {
      report.push(`manual     ${rel(name)}: not create-next-app's shape; see the next steps`)
      return { file: name, done: false }
    }
    if (!edited.changed) {
      report.push(`unchanged  ${rel(name)} (already renders <Session>)`)
      return { file: name, done: true }
    }
    if (!opts.dryRun) fs.writeFileSync(name, edited.source)
    report.push(`updated    ${rel(name)} (<Session> inside <Suspense> around {children})`)
    return { file: name, done: true }
  }

  // Next.js 16 renamed middleware to proxy: an app has one or the other, never both.
  const proxyName = next15 ? 'middleware' : 'proxy'
  const otherName = next15 ? 'proxy' : 'middleware'
  for (const e of ['ts', 'js']) {
    const other = path.join(base, `${otherName}.${e}`)
    if (fs.existsSync(other)) {
      report.push(
        `warning    ${rel(other)} exists: Next.js ${next.major} uses ${proxyName}.${ext}; move its logic into ${proxyName}.${ext} (beforeAuth/afterAuth) and delete it`,
      )
    }
  }
  await write(path.join(base, `${proxyName}.${ext}`), proxyFile({ next15 }))
  await write(path.join(base, 'lib', `api.${ext}`), apiClientFile())
  await write(path.join(base, 'app', 'api', '[...path]', `route.${ext}`), catchAllRouteFile())
  await write(path.join(base, 'app', 'api', 'auth', '[action]', `route.${ext}`), authRoutesFile())
  await write(path.join(base, 'lib', `backend.${ext}`), backendFile())
  await write(path.join(base, 'app', `providers.${ext}x`), providersFile())
  await write(path.join(base, 'app', `session.${ext}x`), sessionFile({ ts }))
  await write(path.join(dir, '.env.example'), ENV_EXAMPLE)
  writeEnvLocal()
  const layoutDone = editLayout()

  const configName = CONFIG_NAMES.find((n) => fs.existsSync(path.join(dir, n)))
  if (!configName) {
    await write(path.join(dir, ts ? 'next.config.ts' : 'next.config.mjs'), nextConfigFile({ ts }))
  } else {
    const configPath = path.join(dir, configName)
    const edited = addServerExternal(fs.readFileSync(configPath, 'utf8'))
    if (!edited) {
      report.push(
        `manual     ${configName}: could not find the config object; add this to it yourself:\n             serverExternalPackages: ['${PKG}'],`,
      )
    } else if (!edited.changed) {
      report.push(`unchanged  ${configName} (already lists ${PKG} in serverExternalPackages)`)
    } else {
      if (!opts.dryRun) fs.writeFileSync(configPath, edited.source)
      report.push(`updated    ${configName} (added '${PKG}' to serverExternalPackages)`)
    }
  }

  const deps = { ...pkg.dependencies, ...pkg.devDependencies }
  for (const line of report) io.log(`  ${line}`)
  for (const line of nextSteps({ deps, layoutDone, rel, base, ext })) io.log(line)
  return 0
}

/** The next steps: only what is left to do, naming the files init wrote. Tested against them. */
function nextSteps({ deps, layoutDone, rel, base, ext }) {
  const out = ['', 'Next steps:']
  let n = 0
  const step = (text) => out.push(`  ${++n}. ${text}`)
  if (!deps[PKG]) step(`npm install ${PKG}`)
  step(
    `set API_BASE_URL in .env.local to your backend (unset, ${DEFAULT_BASE_URL} is assumed; ${rel(path.join(base, 'lib', `backend.${ext}`))} says so at start)`,
  )
  if (!layoutDone.done) {
    step(`in ${rel(layoutDone.file)}, render the session around {children} inside <body>:`)
    for (const l of LAYOUT_IMPORTS.split('\n')) out.push(`       ${l}`)
    for (const l of LAYOUT_BODY.split('\n')) out.push(`       ${l}`)
  }
  step(
    `in client components ('use client'): import { useAuth } from '${PKG}/client' (login, logout, user)`,
  )
  step('npm run dev   (production: set CSRF_SECRET and API_BASE_URL in the environment)')
  return out
}

module.exports = {
  main,
  parseArgs,
  detectNextMajor,
  addServerExternal,
  addSessionToLayout,
  envLocalWithSecret,
  LAYOUT_IMPORTS,
  LAYOUT_BODY,
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (err) => {
      closeReader()
      console.error(`${PKG}: ${err.message}`)
      process.exitCode = err.code === 'ERR_USAGE' ? 2 : 1
    },
  )
}
