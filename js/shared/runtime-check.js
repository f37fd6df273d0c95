// Why the native addon cannot load here, and what to do about it. Pure functions over
// plain facts so that every branch is testable without the runtime it describes.

const PACKAGE = 'next-api-layer-native'

/** The platform packages published next to the main package (see package.json napi.targets). */
const SUPPORTED_PLATFORMS = [
  'linux-x64-gnu',
  'linux-x64-musl',
  'linux-arm64-gnu',
  'darwin-x64',
  'darwin-arm64',
  'win32-x64-msvc',
]

function packageError(code, message, cause) {
  const error = new Error(`${PACKAGE}: ${message}`)
  error.code = code
  if (cause !== undefined) error.cause = cause
  return error
}

function isMusl() {
  if (process.platform !== 'linux') return false
  try {
    const report = process.report?.getReport()
    if (report?.header) return !report.header.glibcVersionRuntime
  } catch {
    // fall through: assume glibc
  }
  return false
}

/**
 * The facts about the current process that decide whether (and which) addon can load.
 * `musl` is only looked up when asked (`withLibc`): the process report costs ~10 ms, which the
 * successful load path must not pay.
 */
function currentFacts({ withLibc = false } = {}) {
  const hasProcess = typeof process !== 'undefined' && process !== null
  const env = hasProcess && process.env ? process.env : {}
  return {
    nextRuntime: env.NEXT_RUNTIME,
    hasWindow: typeof window !== 'undefined' && typeof document !== 'undefined',
    nodeVersion: hasProcess && process.versions ? process.versions.node : undefined,
    hasDlopen: hasProcess && typeof process.dlopen === 'function',
    platform: hasProcess ? process.platform : undefined,
    arch: hasProcess ? process.arch : undefined,
    musl: withLibc && hasProcess && process.platform === 'linux' ? isMusl() : false,
  }
}

/**
 * The bundler that compiled this module into a Next.js bundle, or null when Node.js loaded it
 * from node_modules (as `serverExternalPackages` makes it). Bundled, the addon's `require` of a
 * .node file cannot work, and the platform-package advice would send people the wrong way.
 * webpack and Turbopack each give their modules free variables Node.js never defines, and both
 * point `__dirname` away from this directory (webpack: the chunk's directory; Turbopack: a
 * `[project]/...` label).
 */
function detectBundler(dirname = __dirname) {
  if (typeof __webpack_require__ === 'function') return 'webpack'
  if (typeof __turbopack_context__ !== 'undefined') return 'Turbopack'
  const fs = safeFs()
  if (typeof dirname === 'string' && dirname.startsWith('[project]')) return 'Turbopack'
  if (fs && typeof dirname === 'string' && !fs.existsSync(`${dirname}/runtime-check.js`)) {
    return 'a bundler'
  }
  return null
}

function safeFs() {
  try {
    return require('node:fs')
  } catch {
    return null
  }
}

const EXTERNAL_FIX =
  "add 'next-api-layer-native' to serverExternalPackages in next.config (e.g. " +
  "`const nextConfig: NextConfig = { serverExternalPackages: ['next-api-layer-native'] }`), " +
  'then restart `next dev` / run `next build` again. `npx next-api-layer-native init` adds it.'

/** The error thrown when the addon failed to load because the package was bundled. */
function bundledError(bundler, cause) {
  return packageError(
    'ERR_BUNDLED',
    `was bundled by ${bundler} instead of loaded by Node.js, so its native addon cannot load: ${EXTERNAL_FIX}`,
    cause,
  )
}

/** `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`: the suffix napi-rs gives the platform package. */
function platformId(facts) {
  const base = `${facts.platform}-${facts.arch}`
  if (facts.platform === 'linux') return `${base}-${facts.musl ? 'musl' : 'gnu'}`
  if (facts.platform === 'win32') return `${base}-msvc`
  return base
}

const EDGE_FIX =
  'it needs the Node.js runtime. In Next.js 16 use proxy.ts (always Node.js); in Next.js 15.5 ' +
  "middleware.ts add `export const config = { runtime: 'nodejs' }`; in a route handler remove " +
  "`export const runtime = 'edge'`."

const CLIENT_FIX =
  'it is server-only and was bundled for the browser. In client components import ' +
  "AuthProvider/useAuth from 'next-api-layer-native/client'; call the API from server code " +
  "(route handlers, server actions, server components), and add 'next-api-layer-native' to " +
  'serverExternalPackages in next.config.'

/**
 * An Error when the runtime described by `facts` cannot load a native addon at all
 * (Edge runtime, a browser bundle, a runtime without process.dlopen), otherwise null.
 */
function runtimeProblem(facts) {
  if (facts.nextRuntime === 'edge') {
    return packageError('ERR_EDGE_RUNTIME', `cannot run in the Edge runtime: ${EDGE_FIX}`)
  }
  if (facts.hasWindow && !facts.nodeVersion) {
    return packageError('ERR_CLIENT_BUNDLE', `cannot run in the browser: ${CLIENT_FIX}`)
  }
  if (!facts.nodeVersion || !facts.hasDlopen) {
    return packageError(
      'ERR_UNSUPPORTED_RUNTIME',
      'needs Node.js with native addon support (process.dlopen is missing in this runtime). ' +
        'Run it on the Next.js Node.js runtime and list it in serverExternalPackages in next.config.',
    )
  }
  return null
}

/** The error thrown when the runtime is fine but no prebuilt binary fits this platform. */
function bindingNotFoundError(facts, cause) {
  const id = platformId(facts)
  const where = `${id} (Node.js ${facts.nodeVersion})`
  if (!SUPPORTED_PLATFORMS.includes(id)) {
    return packageError(
      'ERR_UNSUPPORTED_PLATFORM',
      `no prebuilt native binary for ${where}. Prebuilt: ${SUPPORTED_PLATFORMS.join(', ')}. ` +
        'Build it from source with Rust (stable) in a clone of the repository: `npm ci && npm run build`, ' +
        'then set NAPI_RS_NATIVE_LIBRARY_PATH to the built .node file.',
      cause,
    )
  }
  return packageError(
    'ERR_NATIVE_BINDING_NOT_FOUND',
    `the native binary for ${where} is not installed or failed to load. ` +
      `Install the platform package: \`npm install ${PACKAGE}-${id}\`. ` +
      'npm skips it when installing with --omit=optional / --no-optional, or when package-lock.json ' +
      'was written on another platform (npm bug https://github.com/npm/cli/issues/4828): remove ' +
      'node_modules and package-lock.json and run `npm install` again. In Docker, install on the ' +
      'image that runs the app (alpine needs the -musl package). See the cause for the loader errors.',
    cause,
  )
}

module.exports = {
  SUPPORTED_PLATFORMS,
  currentFacts,
  platformId,
  runtimeProblem,
  bindingNotFoundError,
  detectBundler,
  bundledError,
  packageError,
}
