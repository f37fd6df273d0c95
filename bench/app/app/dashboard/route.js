// A tiny dynamic route: what the proxy protects. It gets the user the way an app does, so the
// bench measures what a request costs end to end: behind our proxy it asks getServerUser; behind
// the seed-style baseline (d) it reads that proxy's own unsigned header; the reference proxies
// (a), (g), (h) pass no user and it reads nothing. It says which variant ran and whether a user
// came back (the bench checks both before loading the server). Under BENCH_VARIANT=all the proxy
// says which variant answers now (a process-wide symbol, set by its switch).
import { getServerUser } from 'next-api-layer-native/server'

export const dynamic = 'force-dynamic'

const NOW = Symbol.for('nalnative-bench.variant')
const OURS = new Set(['b', 'c', 'e', 'f', 'k', 'r'])

export async function GET(req) {
  const variant = globalThis[NOW] || process.env.BENCH_VARIANT || 'a'
  let user = false
  if (OURS.has(variant)) user = (await getServerUser({ request: req })).user !== null
  else if (variant === 'd') user = req.headers.has('x-auth-user')
  return Response.json({ variant, user })
}
