// Reads a V8 `.cpuprofile` (node --cpu-prof): self time per frame, time per owner (which code
// a frame belongs to), and the inclusive time under named functions. Used by the profile part
// to say where a request's server CPU goes.
import path from 'node:path'

/** Which code a frame belongs to, from its script URL and name. */
export function ownerOf(node) {
  const url = node.callFrame.url || ''
  const name = node.callFrame.functionName
  if (!url) {
    if (name === '(garbage collector)') return 'GC'
    if (name === '(idle)' || name === '(program)') return name
    // V8 builtins and Node's C++ functions; an addon call has no frame (its time is its caller's)
    return 'V8/Node native'
  }
  if (url.includes('next-api-layer-native')) return 'next-api-layer-native (js)'
  if (url.includes('/next/dist/compiled/')) return 'Next.js (bundled deps)'
  if (url.includes('/next/dist/')) return 'Next.js'
  if (url.includes('/.next/server/')) return 'the app build (.next/server)'
  if (url.startsWith('node:')) return 'Node.js core'
  if (url.includes('/node_modules/'))
    return `node_modules/${url.split('/node_modules/').pop().split('/')[0]}`
  return 'other'
}

function frameKey(node) {
  const cf = node.callFrame
  const file = cf.url ? path.basename(cf.url.replace(/^file:\/\//, '')) : '(native)'
  return `${cf.functionName || '(anonymous)'} ${file}:${cf.lineNumber + 1}`
}

/**
 * @param {object} profile the parsed .cpuprofile
 * @param {{ under?: string[], fromUs?: number, toUs?: number }} opts inclusive time is also
 *   summed under frames named `under`; only samples taken in [fromUs, toUs] count (V8's clock
 *   is CLOCK_MONOTONIC in µs, the same as `process.hrtime` in another process on Linux)
 * @returns {{ totalMs: number, busyMs: number, frames: Array<{ frame: string, owner: string, ms: number }>,
 *   owners: Record<string, number>, underMs: Record<string, number> }}
 */
export function analyse(profile, { under = [], fromUs = -Infinity, toUs = Infinity } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id)
  const selfUs = new Map()
  const deltas = profile.timeDeltas
  let t = profile.startTime
  let windowed = 0
  for (let i = 0; i < profile.samples.length; i++) {
    t += deltas[i]
    if (t < fromUs || t > toUs) continue
    windowed++
    // A sample's time is the gap to the next one.
    const dt = deltas[i + 1] ?? 0
    const id = profile.samples[i]
    selfUs.set(id, (selfUs.get(id) || 0) + dt)
  }
  const frames = new Map()
  const owners = {}
  const underMs = Object.fromEntries(under.map((u) => [u, 0]))
  let totalUs = 0
  let idleUs = 0
  for (const [id, us] of selfUs) {
    const n = byId.get(id)
    totalUs += us
    const owner = ownerOf(n)
    if (owner === '(idle)') {
      idleUs += us
      continue
    }
    owners[owner] = (owners[owner] || 0) + us / 1000
    const k = frameKey(n)
    const f = frames.get(k) || { frame: k, owner, ms: 0 }
    f.ms += us / 1000
    frames.set(k, f)
    // inclusive: count once per named ancestor kind
    const seen = new Set()
    for (let p = id; p !== undefined; p = parent.get(p)) {
      const name = byId.get(p).callFrame.functionName
      if (name in underMs && !seen.has(name)) {
        seen.add(name)
        underMs[name] += us / 1000
      }
    }
  }
  return {
    samples: windowed,
    totalMs: totalUs / 1000,
    busyMs: (totalUs - idleUs) / 1000,
    frames: [...frames.values()].sort((a, b) => b.ms - a.ms),
    owners,
    underMs,
  }
}
