#!/usr/bin/env node
// `npm run bench`: every part of the benchmark, side by side, with plots.
//
//   npm run bench                      full run (< 15 min on 2 cores): writes bench/results/ and BENCHMARKS.md
//   npm run bench -- --only=sanitize   one part (or several: --only=floor,ratelimit), full size
//   npm run bench -- --quick           ~2-minute pass over every part, results in bench/results/tmp/
//   npm run bench -- --smoke           in-process parts at tiny sizes, and every proxy variant started, checked and
//                                      loaded for a second (CI: the bench never rots)
//
// Every figure is a ratio against a baseline measured in the same run, medians over several
// rounds with the min–max spread. Parts: proxy, storm, store, users, local, sanitize, ratelimit, floor, profile (CPU profiles of the proxy part's server).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { machine, ROOT, require } from './lib/common.mjs'

const PARTS = [
  'floor',
  'sanitize',
  'ratelimit',
  'users',
  'storm',
  'store',
  'local',
  'proxy',
  'profile',
]
const IN_PROCESS = ['floor', 'sanitize', 'ratelimit', 'users', 'storm', 'local']
// The smoke also runs the proxy part, briefly: it is the one that checks each server runs its
// variant and gets its user, which in-process parts cannot.
const SMOKE = [...IN_PROCESS, 'proxy']

// Memory figures need a real GC between phases: re-run under --expose-gc.
if (typeof globalThis.gc !== 'function') {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
    },
  )
  process.exit(r.status ?? 1)
}

const args = process.argv.slice(2)
const flag = (name) => args.includes(`--${name}`)
const opt = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]
for (const a of args) {
  if (!/^--(quick|smoke|help|only=.+)$/.test(a)) {
    console.error(`unknown argument ${a} (use --quick, --smoke, --only=<part,...>)`)
    process.exit(2)
  }
}
if (flag('help')) {
  const head = fs
    .readFileSync(new URL(import.meta.url), 'utf8')
    .split('\n')
    .slice(1)
  const doc = head.slice(
    0,
    head.findIndex((l) => !l.startsWith('//')),
  )
  console.log(doc.map((l) => l.replace(/^\/\/ ?/, '')).join('\n'))
  process.exit(0)
}
const mode = flag('smoke') ? 'smoke' : flag('quick') ? 'quick' : 'full'
let parts = opt('only') ? opt('only').split(',') : mode === 'smoke' ? SMOKE : PARTS
for (const p of parts) {
  if (!PARTS.includes(p)) {
    console.error(`unknown part ${p} (parts: ${PARTS.join(', ')})`)
    process.exit(2)
  }
}
if (mode === 'smoke') parts = parts.filter((p) => SMOKE.includes(p))

const RESULTS = path.join(ROOT, 'bench/results')
const outDir = mode === 'full' ? RESULTS : path.join(RESULTS, 'tmp')
fs.mkdirSync(outDir, { recursive: true })

function git(...a) {
  const r = spawnSync('git', a, { cwd: ROOT, encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : 'unknown'
}

function environment() {
  const v = (name) => {
    try {
      return require(path.join(ROOT, 'node_modules', name, 'package.json')).version
    } catch {
      return 'n/a'
    }
  }
  const rustc = spawnSync('rustc', ['--version'], { encoding: 'utf8' })
  const os = require('node:os')
  return {
    ...machine(),
    rustc: rustc.status === 0 ? rustc.stdout.trim() : 'n/a',
    next: v('next'),
    autocannon: v('autocannon'),
    dompurify: v('dompurify'),
    jsdom: v('jsdom'),
    'sanitize-html': v('sanitize-html'),
    xss: v('xss'),
    'rate-limiter-flexible': v('rate-limiter-flexible'),
    commit: git('rev-parse', '--short', 'HEAD'),
    // uncommitted changes to the measured code (the bench's own outputs do not count)
    dirty:
      git(
        'status',
        '--porcelain',
        '--untracked-files=no',
        '--',
        '.',
        ':!BENCHMARKS.md',
        ':!bench/results',
      ) !== '',
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    loadavg: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
  }
}

function table(t) {
  const esc = (c) => String(c).replace(/\|/g, '\\|')
  const lines = []
  if (t.caption) lines.push(`*${t.caption}*`, '')
  lines.push(`| ${t.columns.map(esc).join(' | ')} |`)
  lines.push(`|${t.columns.map(() => '---').join('|')}|`)
  for (const r of t.rows) lines.push(`| ${r.map(esc).join(' | ')} |`)
  return lines.join('\n')
}

function section(res, relDir) {
  const out = [`## ${res.title}`, '']
  out.push(
    `<sub>\`${res.env.command}\` · ${res.env.date} · commit ${res.env.commit}${res.env.dirty ? ' (+ uncommitted changes)' : ''} · ${res.mode} run · ${res.seconds.toFixed(0)} s · load average at start ${res.env.loadavg}</sub>`,
    '',
  )
  if (res.error) {
    out.push(`**This part failed in its last run:** \`${res.error.split('\n')[0]}\``, '')
    return out.join('\n')
  }
  out.push(res.intro, '')
  for (const t of res.tables) out.push(table(t), '')
  for (const p of res.plots) out.push(`![${p.alt}](${relDir}/${p.file})`, '')
  return out.join('\n').trimEnd()
}

function envBlock(env) {
  return [
    `- Machine: ${env.cpu}, ${env.cores} cores, ${env.memGb} GB RAM, ${env.os} (shared with other work: figures are ratios measured side by side)`,
    `- Node.js ${env.node}, ${env.rustc}, Next.js ${env.next}, autocannon ${env.autocannon}`,
    `- Alternatives: DOMPurify ${env.dompurify} + jsdom ${env.jsdom}, sanitize-html ${env['sanitize-html']}, xss ${env.xss}, rate-limiter-flexible ${env['rate-limiter-flexible']}`,
    `- Last run: \`${env.command}\` at ${env.date}, commit ${env.commit}`,
  ].join('\n')
}

/** Replaces the text between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->`. */
function replaceBlock(doc, name, body) {
  const start = `<!-- bench:${name}:start -->`
  const end = `<!-- bench:${name}:end -->`
  const i = doc.indexOf(start)
  const j = doc.indexOf(end)
  const block = `${start}\n${body}\n${end}`
  if (i < 0 || j < i) return `${doc.trimEnd()}\n\n${block}\n`
  return doc.slice(0, i) + block + doc.slice(j + end.length)
}

function writeReport(file, results, relDir, env) {
  let doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n'
  doc = replaceBlock(doc, 'env', envBlock(env))
  for (const name of PARTS)
    if (results[name]) doc = replaceBlock(doc, name, section(results[name], relDir))
  fs.writeFileSync(file, doc)
}

const env = environment()
const results = {}
let failed = 0
const t00 = Date.now()
console.log(`bench: ${mode} run of ${parts.join(', ')} (load average ${env.loadavg})`)
for (const name of parts) {
  const t0 = Date.now()
  console.log(`\n== ${name}`)
  let res
  try {
    const part = await import(`./parts/${name}.mjs`)
    res = await part.run({ mode, log: (m) => console.log(m) })
    for (const p of res.plots) fs.writeFileSync(path.join(outDir, p.file), p.svg)
    for (const t of res.tables) console.log(`${table(t)}\n`)
  } catch (err) {
    failed++
    console.error(`bench part ${name} FAILED:`, err)
    res = { title: name, error: String(err?.stack || err), tables: [], plots: [] }
  }
  res.mode = mode
  res.env = { ...env, date: new Date(t0).toISOString().replace(/\.\d+Z$/, 'Z') }
  res.seconds = (Date.now() - t0) / 1000
  results[name] = res
  const { plots, ...rest } = res
  fs.writeFileSync(
    path.join(outDir, `${name}.json`),
    `${JSON.stringify({ ...rest, plots: plots.map((p) => ({ file: p.file, alt: p.alt })) }, null, 1)}\n`,
  )
  console.log(`(${name}: ${res.seconds.toFixed(1)} s)`)
}

if (mode === 'full') {
  // A failed part keeps its previous figures in BENCHMARKS.md rather than wiping them.
  const ok = Object.fromEntries(Object.entries(results).filter(([, r]) => !r.error))
  writeReport(path.join(ROOT, 'BENCHMARKS.md'), ok, 'bench/results', env)
  console.log(
    `\nwrote BENCHMARKS.md and bench/results/ (${((Date.now() - t00) / 1000).toFixed(0)} s)`,
  )
} else {
  writeReport(path.join(outDir, 'REPORT.md'), results, '.', env)
  console.log(
    `\nwrote ${path.relative(ROOT, outDir)}/ (${((Date.now() - t00) / 1000).toFixed(0)} s; ${mode} figures are not published)`,
  )
}
if (failed) {
  console.error(`${failed} bench part(s) failed`)
  process.exit(1)
}
