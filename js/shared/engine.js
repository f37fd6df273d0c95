// One native Engine per configuration, for the life of the process. createAuthProxy and
// getServerUser with the same declarative config share one engine (and so one token cache).

const native = require('./native')
const { parseCookieHeader } = require('./cookie-header')
const { createKeptAnswers } = require('./kept-answers')
const { configError } = require('./config-error')

/** @type {Map<string, Array<{ fns: Array<Function | undefined>, engine: any }>>} */
const engines = new Map()

const MAPPERS = ['parseAuthMe', 'parseRefreshToken', 'parseGuestToken']
/** Function mappers accepted (parseNewRefreshToken is folded into the refresh mapper). */
const KNOWN_MAPPERS = [...MAPPERS, 'parseNewRefreshToken']

/** next-api-layer's default refresh answer: `{ success, data: { accessToken } }` (ours: `data.token`). */
function defaultAccessToken(body) {
  const d = body && typeof body === 'object' ? body.data : undefined
  if (!d || typeof d !== 'object') return null
  const t = d.accessToken ?? d.token
  return typeof t === 'string' && t ? t : null
}

/**
 * next-api-layer's dual-token mode reads the rotated refresh token with its own mapper,
 * `parseNewRefreshToken(body)`. The engine has one refresh mapper returning
 * `{ token, refreshToken }`: fold the two into it.
 */
function refreshMapperOf(mappers) {
  const parse = mappers?.parseRefreshToken
  const parseNew = mappers?.parseNewRefreshToken
  if (typeof parseNew !== 'function') return typeof parse === 'function' ? parse : undefined
  if (parse !== undefined && parse !== null && typeof parse !== 'function') {
    throw configError(
      'responseMappers.parseNewRefreshToken is a function but parseRefreshToken is a path spec: make both functions',
    )
  }
  return (body) => {
    let out = typeof parse === 'function' ? parse(body) : defaultAccessToken(body)
    if (out === null || out === undefined || out === false) return null
    if (typeof out === 'string') out = { token: out }
    const rt = parseNew(body)
    if (typeof rt === 'string' && rt) out = { ...out, refreshToken: rt }
    return out
  }
}

/** `refresh.classifyFail({ status, body })` in the string-in/string-out form of the engine. */
function wrapClassifier(fn) {
  return (text) => {
    try {
      const out = fn(JSON.parse(text))
      if (out && typeof out.then === 'function') throw new Error('must be synchronous')
      return JSON.stringify(typeof out === 'string' ? out : null)
    } catch (err) {
      // A throwing classifier leaves the built-in classification in charge.
      console.error('[next-api-layer-native] refresh.classifyFail threw:', err)
      return 'null'
    }
  }
}

/** Restores `err.code` from the `[ERR_X] message` form used by async native errors. */
function withCode(err) {
  if (
    err &&
    typeof err.message === 'string' &&
    (!err.code || !String(err.code).startsWith('ERR_'))
  ) {
    const m = /^\[(ERR_[A-Z_]+)\] ([\s\S]*)$/.exec(err.message)
    if (m) {
      err.code = m[1]
      err.message = m[2]
    }
  }
  return err
}

/**
 * Wraps a user mapper `(body) => value` into the string-in/string-out form the engine calls
 * from its threadsafe function. A throwing mapper counts as a bad backend answer, never a crash.
 */
function wrapMapper(fn, name) {
  return (text) => {
    try {
      const out = fn(JSON.parse(text))
      if (out && typeof out.then === 'function') {
        throw new Error(`${name} must be synchronous`)
      }
      return JSON.stringify(out === undefined ? null : out)
    } catch (err) {
      // Not JSON on purpose: the engine treats it as a bad backend answer (like a 5xx: nobody
      // is logged out), whereas a mapper returning null means "this token is not valid".
      console.error(`[next-api-layer-native] responseMappers.${name} threw:`, err)
      return `!${name} threw`
    }
  }
}

const warned = new Set()
function warnOnce(key, message) {
  if (warned.has(key)) return
  warned.add(key)
  console.warn(`[next-api-layer-native] config: ${message}`)
}

/**
 * Wraps next-api-layer 0.4's `validate.verify(token)` hook (sync or async) so the engine always
 * gets a Promise of JSON text. A throw or a rejection counts as a bad answer (like a 5xx:
 * nobody is logged out); `null` means "this token is not valid".
 */
function wrapVerify(fn) {
  return (token) =>
    Promise.resolve()
      .then(() => fn(token))
      .then(
        (out) => JSON.stringify(out === undefined ? null : out),
        (err) => {
          console.error('[next-api-layer-native] validate.verify threw:', err)
          return '!validate.verify threw'
        },
      )
}

/**
 * `validate` with its function hooks replaced by markers (the engine gets the function itself).
 * @returns {{ validate: object | undefined, verify: Function | undefined }}
 */
function serializeValidate(validate) {
  if (validate === undefined || validate === null) return { validate, verify: undefined }
  if (typeof validate !== 'object' || Array.isArray(validate)) {
    throw configError('validate must be an object')
  }
  if (typeof validate.userFromClaims === 'function') {
    throw configError(
      'validate.userFromClaims must be paths ({ user, type, exp }); for code, use validate.verify',
    )
  }
  if (validate.verify === undefined || validate.verify === null) {
    return { validate, verify: undefined }
  }
  if (typeof validate.verify !== 'function') {
    throw configError('validate.verify must be a function (token) => TokenInfo | null')
  }
  return { validate: { ...validate, verify: true }, verify: validate.verify }
}

/**
 * Serialises the declarative part of a config (functions are passed separately).
 * @returns {{ json: string, fns: Array<Function | undefined> }}
 */
function serialize(config) {
  if (!config || typeof config !== 'object' || Array.isArray(config)) {
    throw configError('config must be an object')
  }
  const mappers = config.responseMappers
  const declarative = {}
  const jsMappers = {}
  const fns = []
  if (mappers !== undefined && mappers !== null) {
    if (typeof mappers !== 'object' || Array.isArray(mappers)) {
      throw configError('responseMappers must be an object')
    }
    for (const [k, v] of Object.entries(mappers)) {
      if (typeof v === 'function') {
        if (!KNOWN_MAPPERS.includes(k)) {
          throw configError(
            `responseMappers.${k} is not a known mapper (use ${KNOWN_MAPPERS.join(', ')})`,
          )
        }
        if (k !== 'parseNewRefreshToken') jsMappers[k] = true
      } else {
        declarative[k] = v
      }
    }
  }
  fns.push(typeof mappers?.parseAuthMe === 'function' ? mappers.parseAuthMe : undefined)
  const refreshFn = refreshMapperOf(mappers)
  if (refreshFn) jsMappers.parseRefreshToken = true
  fns.push(refreshFn)
  fns.push(typeof mappers?.parseGuestToken === 'function' ? mappers.parseGuestToken : undefined)
  const { validate, verify } = serializeValidate(config.validate)
  fns.push(verify)
  const classify = config.refresh?.classifyFail
  if (classify !== undefined && classify !== null && typeof classify !== 'function') {
    throw configError('refresh.classifyFail must be a function')
  }
  fns.push(typeof classify === 'function' ? classify : undefined)
  if (fns[4]) jsMappers.classifyFail = true
  const production =
    typeof config.production === 'boolean'
      ? config.production
      : process.env.NODE_ENV === 'production'
  let refresh = config.refresh
  if (config.store && refresh && typeof refresh === 'object' && refresh.store) {
    // The native shared store coordinates refreshes across instances (a lock per token
    // family); the JS get/set interface would only be a second, weaker cache beside it.
    warnOnce(
      'store+refresh.store',
      'both `store` and `refresh.store` are given: the native `store` (Redis) coordinates refreshes; `refresh.store` is not used',
    )
    const { store: _ignored, ...rest } = refresh
    refresh = rest
  }
  let json
  try {
    // refresh.store is a JS object (a Redis client, say) and classifyFail / onRefreshFail are
    // functions: never serialised (the adapter runs them).
    const plainRefresh =
      refresh && typeof refresh === 'object' && !Array.isArray(refresh)
        ? { ...refresh, store: undefined, classifyFail: undefined, onRefreshFail: undefined }
        : refresh
    json = JSON.stringify({
      ...config,
      refresh: plainRefresh,
      production,
      responseMappers: declarative,
      jsMappers,
      validate,
    })
  } catch (err) {
    throw configError(`config must be JSON-serialisable apart from functions: ${err.message}`)
  }
  return { json, fns }
}

/**
 * The shared engine for `config`. Throws ERR_CONFIG_INVALID (message names the option).
 * @param {object} config
 */
function getEngine(config) {
  const { json, fns } = serialize(config)
  let list = engines.get(json)
  if (!list) {
    list = []
    engines.set(json, list)
  }
  let hit = list.find((e) => e.fns.every((f, i) => f === fns[i]))
  // A mapper written inline (`parseResponse: (b) => b.data` in a server component) is a new
  // function on every call: match it by its source so each call does not build a new engine
  // (mappers must be pure functions of the body). The folded refresh mapper is new on every
  // call too: it is keyed by the user's two functions.
  const src = sourcesOf(config, fns)
  if (!hit) hit = list.find((e) => e.src.every((t, i) => t === src[i]))
  if (hit) return hit.engine
  let engine
  try {
    engine = new native.Engine(
      json,
      fns[0] && wrapMapper(fns[0], MAPPERS[0]),
      fns[1] && wrapMapper(fns[1], MAPPERS[1]),
      fns[2] && wrapMapper(fns[2], MAPPERS[2]),
      fns[3] && wrapVerify(fns[3]),
      fns[4] && wrapClassifier(fns[4]),
    )
  } catch (err) {
    throw withCode(err)
  }
  list.push({ fns, src, engine })
  registry().push({
    key: sharedKey(config),
    plain: fns.every((f) => f === undefined),
    engine,
  })
  return engine
}

/** The source text of each function a config passes to the engine (pure functions). */
function sourcesOf(config, fns) {
  const m = config.responseMappers
  const src = fns.map((f) => (f ? String(f) : ''))
  if (fns[1] && typeof m?.parseNewRefreshToken === 'function') {
    src[1] = `${String(m.parseRefreshToken ?? '')}\u0000${String(m.parseNewRefreshToken)}`
  }
  return src
}

/**
 * Engines are registered process-wide (globalThis), so getServerUser finds the proxy's
 * engine even when Next.js loads this module from more than one bundle.
 */
function registry() {
  const sym = Symbol.for('next-api-layer-native.engines')
  if (!globalThis[sym]) globalThis[sym] = []
  return globalThis[sym]
}

/** The user and guest cookie names of a config (`cookies.hostPrefix` as the engine does). */
function cookieNames(c) {
  const host = (n) =>
    c.cookies?.hostPrefix === true && !n.startsWith('__Host-') ? `__Host-${n}` : n
  return {
    user: host(c.cookies?.user || c.userCookie || 'userToken'),
    guest: host(c.cookies?.guest || c.guestCookie || 'guestToken'),
  }
}

function sharedKey(c) {
  const base = String(c.apiBaseUrl || '')
    .trim()
    .replace(/\/+$/, '')
  // `validate` is an endpoint string in getServerUser's lookup, an object (mode) in a config
  const endpoint = typeof c.validate === 'string' ? c.validate : undefined
  const validate = String(c.endpoints?.validate || endpoint || 'auth/me').replace(/^\/+/, '')
  const { user, guest } = cookieNames(c)
  return `${base}|${validate}|${user}|${guest}`
}

/**
 * Marks `engine` as an auth proxy's, with its cookie names: downstream helpers called without
 * backend options read the user of an unchanged request from it (userHeader 'auto').
 */
function markProxyEngine(engine, config) {
  const list = proxyEngines()
  if (list.some((e) => e.engine === engine)) return
  list.unshift({ engine, cookies: cookieNames(config) })
}

/**
 * The auth proxies' engines of this process, the newest first, with their cookie names
 * (process-wide like the registry; kept apart so a lookup walks no other engine).
 */
function proxyEngines() {
  const sym = Symbol.for('next-api-layer-native.proxy-engines')
  if (!globalThis[sym]) globalThis[sym] = []
  return globalThis[sym]
}

/**
 * The cached judgement of `token` by an engine of this process built for the same backend,
 * validate endpoint and cookie names (no I/O): the user when valid, else null.
 */
function cachedUser(c, token) {
  if (typeof token !== 'string' || token === '') return null
  const key = sharedKey(c)
  for (const e of registry()) {
    if (e.key !== key) continue
    const v = e.engine.validateCached(token)
    if (v && v.status === 'valid' && v.userJson) return JSON.parse(v.userJson)
  }
  return null
}

// ---------------------------------------------------------------- the route side of a warm request

/**
 * Cookie headers the memo keeps per generation: at most twice as many in all (see
 * kept-answers.js), and the engine watches twice as many tokens again.
 */
const MEMO_GENERATION = 256
/** Longer cookie headers or user JSON are looked up every time, so the memo stays small. */
const MEMO_MAX_HEADER = 8192
const MEMO_MAX_JSON = 16384

/** @type {WeakMap<object, { words: Uint32Array, keep: Float64Array } | null>} */
const wordViews = new WeakMap()

/**
 * `engine.lookupWords()`, native memory (src/store/watch.rs) that the memos here and in
 * js/proxy/decision-memo.js read without a call: `words[0]` is the epoch the engine moves
 * whenever it changes its mind about a token a memo may hold (revoked here or on another
 * instance, refused, replaced, refreshed, the cache cleared), `words[1..3]` where the last
 * user lookup's token lies in its cookie header, `keep[0]` how many ms the last answer asked
 * to be kept may be kept. Null where the runtime refuses external ArrayBuffers (a V8 sandbox):
 * then nothing is kept, every call asks the engine.
 */
function lookupWordsOf(engine) {
  let w = wordViews.get(engine)
  if (w === undefined) {
    let buf = null
    try {
      buf = engine.lookupWords()
    } catch {
      // no external ArrayBuffers here
    }
    w = buf ? { words: new Uint32Array(buf, 0, 3), keep: new Float64Array(buf, 16, 1) } : null
    wordViews.set(engine, w)
  }
  return w
}

/** @type {WeakMap<object, { words: Uint32Array, keep: Float64Array, kept: ReturnType<typeof createKeptAnswers> } | null>} */
const memos = new WeakMap()

/** The memo of `engine`: cookie header -> the answer of `engine.userOf`, until its deadline. */
function memoOf(engine) {
  let m = memos.get(engine)
  if (m === undefined) {
    const w = lookupWordsOf(engine)
    m = w ? { ...w, kept: createKeptAnswers(w.words, MEMO_GENERATION) } : null
    memos.set(engine, m)
  }
  return m
}

/**
 * The session `engine` holds as valid for a request (cache or local verification, no I/O),
 * by the raw `cookie` header and the verified refreshed token, with the engine's own rule
 * for picking the token (a repeated cookie name is never read): `{ json, token }` (the user
 * as JSON text: parse it per caller, each gets its own object), or null.
 */
function sessionOf(engine, cookie, refreshed) {
  if (refreshed) {
    const json = engine.userOf(cookie, refreshed)
    return json === null ? null : { json, token: refreshed }
  }
  if (!cookie) return null
  const m = memoOf(engine)
  if (m === null) {
    const json = engine.userOf(cookie)
    return json === null ? null : { json, token: tokenIn(cookie, engine) }
  }
  // The clock read before the lookup: an answer is kept no longer than the entry it came from.
  const now = performance.now()
  const hit = m.kept.get(cookie, now)
  if (hit !== undefined) return hit
  const json = engine.userOf(cookie)
  if (json === null) return null
  const found = { json, token: cookie.slice(m.words[1], m.words[2]), until: now + m.keep[0] }
  if (found.until > now && cookie.length <= MEMO_MAX_HEADER && json.length <= MEMO_MAX_JSON) {
    m.kept.keep(cookie, found)
  }
  return found
}

/** The token `engine` picks from `cookie` when the lookup words cannot be read (no memo). */
function tokenIn(cookie, engine) {
  const names = proxyEngines().find((e) => e.engine === engine)?.cookies
  const jar = parseCookieHeader(cookie)
  return (names && (jar.get(names.user) || jar.get(names.guest))) || null
}

/** Cookie headers `engine`'s memo holds now (for tests: the memo is bounded). */
function memoEntries(engine) {
  const m = memos.get(engine)
  return m ? m.kept.size : 0
}

/** An engine already built for the same backend, validate endpoint and cookie names. */
function findEngine(c) {
  const key = sharedKey(c)
  const hit = registry().find((e) => e.plain && e.key === key)
  return hit ? hit.engine : undefined
}

/**
 * The engine that issues double-submit CSRF cookies (the auth proxy's, `csrf` on) for the same
 * backend, validate endpoint and cookie names; its secret (random per process in development)
 * mints the tokens. Used by the auth routes to re-issue the CSRF cookie when the session changes.
 */
function findCsrfEngine(c) {
  const key = sharedKey(c)
  const hit = registry().find(
    (e) =>
      e.key === key &&
      typeof e.engine.issuesCsrfCookie === 'function' &&
      e.engine.issuesCsrfCookie(),
  )
  return hit ? hit.engine : undefined
}

/**
 * Revokes `token` in every engine of this process built for the same backend, validate endpoint
 * and cookie names (the auth proxy's, getServerUser's): logout and a refused refresh make the
 * token dead at once, not when a cache entry runs out. Never throws (logout must go on).
 */
function revokeToken(c, token) {
  if (typeof token !== 'string' || token === '') return 0
  const key = sharedKey(c)
  let n = 0
  for (const e of registry()) {
    if (e.key !== key || typeof e.engine.revokeToken !== 'function') continue
    try {
      e.engine.revokeToken(token)
      n++
    } catch {}
  }
  return n
}

module.exports = {
  getEngine,
  findEngine,
  findCsrfEngine,
  revokeToken,
  markProxyEngine,
  proxyEngines,
  cachedUser,
  sessionOf,
  memoEntries,
  lookupWordsOf,
  serialize,
  withCode,
}
