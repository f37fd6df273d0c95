// Debug logging of createApiClient: the `debug` option with its defaults, and the redactor that
// masks sensitive fields and summarizes large values before anything is logged.

const DEFAULT_SENSITIVE = [
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'authorization',
  'cookie',
  'setCookie',
  'apiKey',
  'xApiKey',
  'clientSecret',
  'privateKey',
  'creditCard',
  'cardNumber',
  'cvv',
  'cvc',
  'ssn',
  'otp',
  'pin',
]
// Always masked, whatever autoMask / sensitiveFields say.
const ALWAYS_MASKED = ['accesstoken', 'refreshtoken', 'authorization', 'setcookie', 'cookie']

function normKey(k) {
  return String(k)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
}

function resolveDebug(d) {
  const on = d === true || (d && d.enabled !== false && typeof d === 'object')
  const o = d && typeof d === 'object' ? d : {}
  return {
    enabled: Boolean(on),
    logRequests: o.logRequests ?? true,
    logResponses: o.logResponses ?? true,
    logTiming: o.logTiming ?? true,
    logHeaders: o.logHeaders ?? false,
    logRequestBody: o.logRequestBody ?? o.logBody ?? false,
    logResponseBody: o.logResponseBody ?? o.logBody ?? false,
    maxStringLength: o.maxStringLength ?? 200,
    maxArrayItems: o.maxArrayItems ?? 10,
    maxDepth: o.maxDepth ?? 5,
    autoMask: o.autoMask ?? true,
    sensitiveFields: o.sensitiveFields ?? [],
    logger: o.logger,
  }
}

/**
 * Builds the masking/summarizing function used by debug logging. Exported for tests and for
 * apps that want the same redaction in their own logs.
 */
function createRedactor(opts = {}) {
  const d = resolveDebug({ enabled: true, ...opts })
  const exact = new Set(ALWAYS_MASKED)
  const partial = []
  if (d.autoMask) for (const f of DEFAULT_SENSITIVE) partial.push(normKey(f))
  for (const f of d.sensitiveFields) {
    if (f instanceof RegExp) partial.push(f)
    else exact.add(normKey(f))
  }
  function isSensitive(key) {
    const n = normKey(key)
    if (exact.has(n)) return true
    for (const p of partial) {
      if (p instanceof RegExp ? p.test(String(key)) : n.includes(p)) return true
    }
    return false
  }
  const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/
  function summarizeString(s) {
    if (s.startsWith('data:') && s.includes(';base64,')) {
      return `[data URL ${s.slice(5, s.indexOf(';'))}, ${s.length} chars]`
    }
    if (s.length >= 64 && !/\s/.test(s) && BASE64.test(s) && !/^[a-z]+$/i.test(s)) {
      return `[base64 ~${Math.floor((s.length * 3) / 4)} bytes]`
    }
    if (s.length > d.maxStringLength) {
      return `${s.slice(0, d.maxStringLength)}… (+${s.length - d.maxStringLength} chars)`
    }
    return s
  }
  function walk(v, depth) {
    if (v === null || v === undefined) return v
    if (typeof v === 'string') return summarizeString(v)
    if (typeof v !== 'object') return v
    if (typeof Buffer !== 'undefined' && Buffer.isBuffer(v)) return `[binary ${v.length} bytes]`
    if (v instanceof ArrayBuffer) return `[binary ${v.byteLength} bytes]`
    if (ArrayBuffer.isView(v)) return `[binary ${v.byteLength} bytes]`
    if (typeof Blob !== 'undefined' && v instanceof Blob) {
      return `[${v.name ? `file ${v.name}, ` : 'binary '}${v.size} bytes]`
    }
    if (typeof FormData !== 'undefined' && v instanceof FormData) {
      const o = {}
      for (const [k, val] of v.entries()) o[k] = val
      return walk(o, depth)
    }
    if (typeof Headers !== 'undefined' && v instanceof Headers) {
      return walk(Object.fromEntries(v.entries()), depth)
    }
    if (depth >= d.maxDepth) return Array.isArray(v) ? `[Array(${v.length})]` : '[Object]'
    if (Array.isArray(v)) {
      const out = v.slice(0, d.maxArrayItems).map((x) => walk(x, depth + 1))
      if (v.length > d.maxArrayItems) out.push(`… ${v.length - d.maxArrayItems} more items`)
      return out
    }
    const out = {}
    for (const [k, val] of Object.entries(v)) {
      out[k] = isSensitive(k) ? '[MASKED]' : walk(val, depth + 1)
    }
    return out
  }
  return { redact: (v) => walk(v, 0), isSensitive }
}

module.exports = { resolveDebug, createRedactor }
