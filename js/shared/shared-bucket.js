// A per-client limit without a client address is one bucket for everyone: under a bare
// `next start` (no reverse proxy, no peer address for proxy.ts) one client exhausting it
// locks every user out. Said loudly at start-up, once per process and option, not as one
// line lost among request logs.

const said = new Set()

/**
 * Warns when `option` (e.g. 'rateLimit') is on, has no `keyFn` and trusts no proxy.
 * @returns {boolean} whether the warning applies
 */
function warnSharedBucket(option, { enabled, keyFn, trustedProxies }) {
  if (!enabled || keyFn || (Number(trustedProxies) || 0) > 0) return false
  if (said.has(option)) return true
  said.add(option)
  const lines = [
    `${option}: every client shares ONE rate-limit bucket.`,
    'proxy.ts gets no client address from Next.js, and no proxy is trusted',
    `(${option}.trustedProxies is 0) nor ${option}.keyFn given: one client using up`,
    'the limit locks everyone out. Behind a reverse proxy set',
    `${option}.trustedProxies to the number of proxies; otherwise give ${option}.keyFn.`,
    'Login attempts: use createAuthRoutes({ rateLimit }) (account + client).',
  ]
  const width = Math.max(...lines.map((l) => l.length))
  const bar = `+${'-'.repeat(width + 2)}+`
  console.warn(
    ['', bar, ...lines.map((l) => `| ${l.padEnd(width)} |`), bar, ''].join('\n'),
    '\n[next-api-layer-native] see README "Security notes".',
  )
  return true
}

module.exports = { warnSharedBucket }
