// The proxy benchmark's Next.js app: copied to a temporary directory, the package installed from
// its `npm pack` tarball (a symlinked install breaks Next's bundlers), `next build` once, then
// one `next start` per variant (BENCH_VARIANT) on free loopback ports. Builds are reused while
// the inputs (app sources, JS adapter, addon) are unchanged.
import { execFile, spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ROOT, require } from './common.mjs'

const APP_SRC = path.join(ROOT, 'bench/app')

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { maxBuffer: 64 << 20, timeout: 900000, ...opts },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(' ')} failed:\n${stdout}\n${stderr}`))
        else resolve(stdout)
      },
    )
  })
}

function filesUnder(dir) {
  const out = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === '.next') continue
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...filesUnder(p))
    else out.push(p)
  }
  return out.sort()
}

function inputsHash() {
  const h = crypto.createHash('sha256')
  const files = [
    ...filesUnder(APP_SRC),
    ...filesUnder(path.join(ROOT, 'js')),
    path.join(ROOT, 'index.js'),
    path.join(ROOT, 'package.json'),
    ...fs
      .readdirSync(ROOT)
      .filter((f) => f.endsWith('.node'))
      .map((f) => path.join(ROOT, f)),
  ]
  for (const f of files) {
    h.update(path.relative(ROOT, f))
    h.update(fs.readFileSync(f))
  }
  return h.digest('hex').slice(0, 16)
}

/**
 * Builds (or reuses) the bench app; returns its directory. The build happens in a directory of
 * this process's own, renamed into place when done: two benches with the same inputs (worktrees
 * of one commit) started together used to remove and build the same directory under each other
 * (Turbopack: "failed to create file ... .next/cache").
 */
export async function buildApp(log = console.log) {
  const dir = path.join(os.tmpdir(), `nalnative-bench-app-${inputsHash()}`)
  const built = () => fs.existsSync(path.join(dir, '.next', 'BUILD_ID'))
  if (built()) {
    log(`  reusing the bench app build in ${dir}`)
    return dir
  }
  const work = `${dir}.build-${process.pid}`
  fs.rmSync(work, { recursive: true, force: true })
  await buildIn(work, log)
  if (built()) {
    fs.rmSync(work, { recursive: true, force: true }) // another bench finished first
  } else {
    fs.rmSync(dir, { recursive: true, force: true }) // a half-built leftover
    fs.renameSync(work, dir)
  }
  return dir
}

async function buildIn(dir, log) {
  fs.mkdirSync(dir, { recursive: true })
  log('  npm pack')
  await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--loglevel=error'], {
    cwd: ROOT,
  })
  const tgz = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'))
  fs.renameSync(path.join(dir, tgz), path.join(dir, 'pkg.tgz'))
  for (const f of filesUnder(APP_SRC)) {
    const to = path.join(dir, path.relative(APP_SRC, f))
    fs.mkdirSync(path.dirname(to), { recursive: true })
    fs.copyFileSync(f, to)
  }
  const v = (name) => require(path.join(ROOT, 'node_modules', name, 'package.json')).version
  const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
  pj.dependencies = {
    next: v('next'),
    react: v('react'),
    'react-dom': v('react-dom'),
    'next-api-layer-native': 'file:./pkg.tgz',
  }
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pj, null, 2)}\n`)
  log('  npm install (next, react, the package tarball)')
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
  })
  log('  next build')
  await run(process.execPath, ['node_modules/next/dist/bin/next', 'build'], {
    cwd: dir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
  })
}

/**
 * CPU time (user + system, ms) used so far by `pid` and all its descendants, from /proc.
 * Robust to a noisy machine where throughput is not: it counts only the server's own work.
 */
export function cpuMs(pid) {
  const hz = 100 // USER_HZ (getconf CLK_TCK) on Linux
  const stat = new Map()
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const t = fs.readFileSync(`/proc/${d}/stat`, 'utf8')
      const f = t.slice(t.lastIndexOf(')') + 2).split(' ')
      stat.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) })
    } catch {}
  }
  let ticks = 0
  const todo = [pid]
  const seen = new Set()
  while (todo.length) {
    const p = todo.pop()
    if (seen.has(p)) continue
    seen.add(p)
    ticks += stat.get(p)?.ticks || 0
    for (const [c, s] of stat) if (s.ppid === p) todo.push(c)
  }
  return (ticks * 1000) / hz
}

/** A TCP port that was free on 127.0.0.1 a moment ago (one helper, shared with the tests). */
export const { freePort } = require(path.join(ROOT, 'examples/backends/spawn.js'))

/**
 * Starts `next start` for one variant; resolves once it answers.
 * @param {string[]} [nodeArgs] flags for node itself (e.g. `--cpu-prof`)
 */
export async function startApp(dir, env, nodeArgs = []) {
  const port = await freePort()
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      'node_modules/next/dist/bin/next',
      'start',
      '-H',
      '127.0.0.1',
      '-p',
      String(port),
    ],
    {
      cwd: dir,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let log = ''
  child.stdout.on('data', (c) => {
    log += c
  })
  child.stderr.on('data', (c) => {
    log += c
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited early:\n${log}`)
    try {
      await fetch(`${url}/favicon.ico`)
      break
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL')
        throw new Error(`next start did not answer in time:\n${log}`)
      }
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  return {
    url,
    pid: child.pid,
    log: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      // A profiling node writes its profile on the way out: give it time.
      const t = setTimeout(() => child.kill('SIGKILL'), nodeArgs.length ? 20000 : 3000)
      await exited
      clearTimeout(t)
    },
  }
}
