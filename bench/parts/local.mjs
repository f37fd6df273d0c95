// Local JWT verification (`validate.mode: 'local'`), against the backend mode, in one run:
//   1. backend calls per 1000 requests, Zipf traffic over 1k / 10k / 100k users (one process per
//      cell, users-worker.mjs), revalidateInterval 0 and 1 s, default cache;
//   2. µs per first-seen-token verification, HS256 / RS256 / ES256: the engine (one native call,
//      `validateCached`, verification + cache insert + crossing) vs `jose` (`jwtVerify`) in this
//      process, same tokens;
//   3. a flood of tokens with bad signatures: backend calls in local vs backend mode.
import crypto from 'node:crypto'
import {
  authConfig,
  facts,
  mintLocal,
  native,
  packedKind,
  packFacts,
  pool,
  startBackend,
} from '../lib/common.mjs'
import { fmt, fmtRatio, nowNs, ratios, summarize } from '../lib/stats.mjs'
import { barChart } from '../lib/svg.mjs'
import { worker } from './users.mjs'

export const title = 'Local JWT verification (validate.mode: local)'

const LOCAL = { mode: 'local', secret: 'demo-secret', algorithms: ['HS256'] }

async function usersTable(backend, mode) {
  const userCounts =
    mode === 'smoke' ? [1000] : mode === 'quick' ? [1000, 10000] : [1000, 10000, 100000]
  const requests = mode === 'smoke' ? 5000 : 100000
  const variants = [
    ['local, revalidateInterval 0', { ...LOCAL, revalidateInterval: 0 }],
    ['local, revalidateInterval 1 s', { ...LOCAL, revalidateInterval: 1 }],
    ['backend mode (default cache)', undefined],
  ]
  const rows = []
  for (const users of userCounts) {
    for (const [name, validate] of variants) {
      await backend.reset()
      const r = await worker({ url: backend.url, users, requests, cache: {}, seed: 11, validate })
      if (r.bad) throw new Error(`local: ${r.bad} of ${requests} requests were not authenticated`)
      const calls = await backend.count('GET /auth/me')
      rows.push([
        name,
        users.toLocaleString('en-US'),
        requests.toLocaleString('en-US'),
        ((calls * 1000) / requests).toFixed(2),
        `${r.seconds.toFixed(1)} s`,
        Math.round(r.reqPerSec).toLocaleString('en-US'),
      ])
    }
  }
  return rows
}

/** Signs `claims` with node:crypto (the same bytes for both verifiers). */
function signer(alg) {
  const b64 = (x) => Buffer.from(x).toString('base64url')
  if (alg === 'HS256') {
    const secret = crypto.randomBytes(32).toString('hex')
    return {
      config: { mode: 'local', secret, algorithms: [alg] },
      joseKey: new TextEncoder().encode(secret),
      sign: (data) => crypto.createHmac('sha256', secret).update(data).digest(),
    }
  }
  const pair =
    alg === 'RS256'
      ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
      : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const opts =
    alg === 'ES256' ? { key: pair.privateKey, dsaEncoding: 'ieee-p1363' } : pair.privateKey
  return {
    config: {
      mode: 'local',
      publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }),
      algorithms: [alg],
    },
    joseKey: pair.publicKey,
    sign: (data) => crypto.sign('sha256', Buffer.from(data), opts),
    b64,
  }
}

function mintMany(alg, s, n) {
  const b64 = (x) => Buffer.from(x).toString('base64url')
  const header = b64(JSON.stringify({ alg, typ: 'JWT' }))
  const exp = Math.floor(Date.now() / 1000) + 3600
  const out = []
  for (let i = 0; i < n; i++) {
    const payload = b64(
      JSON.stringify({ sub: String(i), type: 'user', exp, jti: crypto.randomUUID() }),
    )
    const data = `${header}.${payload}`
    out.push(`${data}.${b64(s.sign(data))}`)
  }
  return out
}

async function verifyTable(mode) {
  const { jwtVerify } = await import('jose')
  const n = mode === 'smoke' ? 200 : mode === 'quick' ? 1000 : 3000
  const roundsN = mode === 'full' ? 5 : 2
  const Engine = native().Engine
  const rows = []
  const groups = []
  let seq = 0
  for (const alg of ['HS256', 'RS256', 'ES256']) {
    const s = signer(alg)
    const rust = []
    const jose = []
    for (let r = 0; r < roundsN; r++) {
      const tokens = mintMany(alg, s, n)
      // a fresh engine per round: every token is first-seen (no cache hit)
      seq++
      const engine = new Engine(
        JSON.stringify(
          authConfig('http://127.0.0.1:9', {
            validate: s.config,
            cache: { maxSize: 100000 + seq },
          }),
        ),
      )
      // warm both paths on other tokens (JIT, key parsing)
      for (const t of mintMany(alg, s, 50)) {
        engine.validateCached(t)
        await jwtVerify(t, s.joseKey, { algorithms: [alg] })
      }
      const order = r % 2 ? ['jose', 'rust'] : ['rust', 'jose']
      for (const which of order) {
        const t0 = nowNs()
        if (which === 'rust') {
          for (const t of tokens) {
            if (engine.validateCached(t)?.status !== 'valid') throw new Error(`rust ${alg} refused`)
          }
          rust.push(Number(nowNs() - t0) / n / 1000)
        } else {
          for (const t of tokens) await jwtVerify(t, s.joseKey, { algorithms: [alg] })
          jose.push(Number(nowNs() - t0) / n / 1000)
        }
      }
    }
    const ratio = ratios(jose, rust)
    rows.push([
      alg,
      fmt(summarize(rust), 3, ' µs'),
      fmt(summarize(jose), 3, ' µs'),
      fmtRatio(ratio),
    ])
    groups.push({
      label: alg,
      bars: [
        {
          label: 'engine (Rust, one native call)',
          ...summarize(rust),
          text: fmt(summarize(rust), 3, ' µs'),
        },
        { label: 'jose jwtVerify', ...summarize(jose), text: fmt(summarize(jose), 3, ' µs') },
      ],
    })
  }
  return { rows, groups, n }
}

async function floodTable(backend, mode) {
  const n = mode === 'smoke' ? 300 : 5000
  const Engine = native().Engine
  const rows = []
  for (const [name, validate] of [
    ['local', LOCAL],
    ['backend mode', undefined],
  ]) {
    await backend.reset()
    const engine = new Engine(
      JSON.stringify(authConfig(backend.url, validate ? { validate } : { cache: { maxSize: 99 } })),
    )
    // valid-looking tokens (the demo backend's header and claims) with a made-up signature
    const forged = Array.from({ length: n }, (_, i) => {
      const t = mintLocal({ sub: String(i), secret: `wrong-${i}` })
      return packFacts(facts(t))
    })
    let sync = 0
    const t0 = nowNs()
    await pool(n, 64, async (i) => {
      let d = engine.decidePacked(forged[i])
      if (packedKind(d) === 'pending') d = await engine.decideAsyncPacked(forged[i])
      else sync++
      if (packedKind(d) !== 'redirect')
        throw new Error(`flood: a forged token got ${packedKind(d)}`)
    })
    const secs = Number(nowNs() - t0) / 1e9
    const me = await backend.count('GET /auth/me')
    const refresh = await backend.count('POST /auth/refresh')
    rows.push([
      name,
      n.toLocaleString('en-US'),
      String(me),
      String(refresh),
      `${((sync * 100) / n).toFixed(0)} %`,
      Math.round(n / secs).toLocaleString('en-US'),
    ])
  }
  return rows
}

export async function run({ mode }) {
  const backend = await startBackend()
  let users
  let flood
  try {
    users = await usersTable(backend, mode)
    flood = await floodTable(backend, mode)
  } finally {
    await backend.stop()
  }
  const verify = await verifyTable(mode)
  return {
    title,
    intro:
      "The engine in local mode verifies the demo backend's HS256 tokens with the shared secret (RS256/ES256 in the " +
      'verification table with generated keys). (1) Zipf (s = 1) traffic over distinct users, one process per cell, ' +
      'default cache (maxSize 100, ttl 2 s) so most requests are cache misses: in local mode a miss is a local ' +
      'verification, not a backend call; with `revalidateInterval: 1` each token is re-checked with the backend at most ' +
      'once per second (the run lasts a few seconds, so the bound is about users seen × run seconds). (2) µs per ' +
      'first-seen token, median of rounds (min–max): the engine through one native call vs `jose` in the same process, ' +
      `same tokens (${verify.n} per round, fresh engine each round). (3) A flood of forged tokens through the engine.`,
    tables: [
      {
        caption: 'Backend validate calls per 1000 requests, local vs backend mode',
        columns: [
          'mode',
          'users',
          'requests',
          'backend calls / 1000 req',
          'run',
          'req/s (engine, in process)',
        ],
        rows: users,
      },
      {
        caption: 'Verification of a first-seen token',
        columns: ['algorithm', 'engine (Rust)', 'jose', 'jose / engine'],
        rows: verify.rows,
      },
      {
        caption: 'Bad-signature flood',
        columns: [
          'mode',
          'forged tokens',
          'auth/me calls',
          'refresh calls',
          'answered synchronously',
          'tokens/s',
        ],
        rows: flood,
      },
    ],
    plots: [
      {
        file: 'local-verify.svg',
        alt: 'µs per first-seen token verification, engine vs jose',
        svg: barChart({
          title: 'First-seen token verification (µs, lower is better)',
          unit: ' µs',
          groups: verify.groups,
        }),
      },
    ],
  }
}
