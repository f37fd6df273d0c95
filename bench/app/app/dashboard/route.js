// A tiny dynamic route: what the proxy protects. Says which variant ran and whether the proxy
// passed a user downstream (the bench checks this before loading the server).
export const dynamic = 'force-dynamic'

export function GET(req) {
  return Response.json({
    variant: process.env.BENCH_VARIANT || 'a',
    user: req.headers.has('x-auth-user'),
  })
}
