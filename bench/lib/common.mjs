// Shared pieces of the bench parts: the built addon, the demo backend, locally minted tokens.
import crypto from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const require = createRequire(import.meta.url)
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** The napi loader (throws with a clear message when the addon is not built). */
export function native() {
  return require(path.join(ROOT, 'js/shared/native.js'))
}

/** The package entry when it exists, else null (parts that need it say "not available"). */
export function pkg() {
  const p = path.join(ROOT, 'index.js')
  if (!fs.existsSync(p)) return null
  try {
    return require(p)
  } catch (err) {
    console.error(`[bench] index.js failed to load: ${err.message}`)
    return null
  }
}

export function startBackend(env = {}) {
  return require(path.join(ROOT, 'examples/backend/spawn.js')).startBackend(env)
}

const b64u = (x) => Buffer.from(x).toString('base64url')

/**
 * Mints an HS256 token the demo backend accepts (same secret and claims), without a
 * backend round trip, so 100 000 distinct tokens cost no HTTP calls.
 */
export function mintLocal({ sub = '1', type = 'user', ttl = 3600, secret = 'demo-secret' } = {}) {
  const t = Math.floor(Date.now() / 1000)
  const exp = t + ttl
  const header = b64u(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const payload = b64u(
    JSON.stringify({
      sub: String(sub),
      type,
      exp,
      iat: Math.min(t, exp),
      jti: crypto.randomUUID(),
    }),
  )
  const sig = crypto.createHmac('sha256', secret).update(`${header}.${payload}`).digest()
  return `${header}.${payload}.${b64u(sig)}`
}

/**
 * Engine config for the bench: the demo backend, /dashboard protected. The parts check that a
 * request was authenticated by the signed x-auth-user it passes on, so the user travels on
 * every answer (`userHeader: 'always'`); the floor measures the default ('auto') explicitly.
 */
export function authConfig(apiBaseUrl, extra = {}) {
  return {
    apiBaseUrl,
    userHeader: 'always',
    access: { protectedRoutes: ['/dashboard', '/dashboard/**'], loginPath: '/login' },
    ...extra,
  }
}

/** Facts of a page request carrying `token` in the user cookie. */
export function facts(token, p = '/dashboard') {
  return {
    method: 'GET',
    path: p,
    search: '',
    cookie: token ? `userToken=${token}` : undefined,
    accept: 'text/html',
    host: '127.0.0.1:3000',
    secFetchMode: 'navigate',
    secFetchDest: 'document',
    secFetchSite: 'same-origin',
  }
}

/** Runs `fn(i)` for i in [0, total) with at most `concurrency` in flight. */
export async function pool(total, concurrency, fn) {
  let next = 0
  const worker = async () => {
    while (next < total) {
      const i = next++
      await fn(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker))
}

export function rssMb() {
  return process.memoryUsage().rss / (1024 * 1024)
}

export function machine() {
  const os = require('node:os')
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model?.trim() || 'unknown',
    cores: cpus.length,
    memGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  }
}

/** Packs a facts object in the engine's wire form (src/auth/wire.rs, as js/shared/wire.js does). */
export function packFacts(f, wantAuth = false) {
  let s = wantAuth ? 'a' : ''
  for (const { name } of native().wireFormat().facts) s += `\n${f[name] ?? ''}`
  return s
}

/** The kind (`next`, `redirect`, `json`, `pending`) and status of a packed decision. */
export function packedKind(s) {
  const i = s.indexOf('\n')
  return i < 0 ? s : s.slice(0, i)
}

export function packedStatus(s) {
  return Number(s.split('\n', 2)[1])
}

/** Whether a packed decision passes a user downstream (sets x-auth-user). */
export function packedHasUser(s) {
  return s.includes('\nx-auth-user\n')
}

/** Sum of the `calls=` of every command in an `INFO commandstats` answer, INFO itself left out. */
export function commandCalls(info) {
  let n = 0
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (m[1] !== 'info') n += Number(m[2])
  }
  return n
}

/**
 * Commands a redis-server on 127.0.0.1:`port` has run so far (our probe's INFO not counted):
 * read before and after a run, the difference is what the run sent. One inline command over a
 * raw socket, so the bench needs neither redis-cli nor a client library.
 */
export function redisCommands(port) {
  const net = require('node:net')
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1')
    let buf = Buffer.alloc(0)
    sock.setTimeout(5000)
    sock.on('connect', () => sock.write('INFO commandstats\r\n'))
    sock.on('data', (c) => {
      buf = Buffer.concat([buf, c])
      const eol = buf.indexOf('\r\n')
      if (eol < 0) return
      const head = buf.subarray(0, eol).toString()
      if (!head.startsWith('$')) {
        sock.destroy()
        reject(new Error(`redis INFO answered ${head}`))
        return
      }
      const len = Number(head.slice(1))
      if (buf.length < eol + 2 + len) return
      sock.destroy()
      resolve(commandCalls(buf.subarray(eol + 2, eol + 2 + len).toString()))
    })
    sock.on('error', reject)
    sock.on('timeout', () => {
      sock.destroy()
      reject(new Error(`redis on port ${port} did not answer INFO`))
    })
  })
}
