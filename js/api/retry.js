// Retries for createApiClient: the retry policy (client option, overridden per request) and
// the loop that repeats an exchange on a retryable status, timeout or network error, waiting
// by backoff or by the backend's Retry-After.

const { configError } = require('../shared/config-error')
const { exchange } = require('./exchange')
const { elapsedSince, monotonicNow, wallNow } = require('../shared/clock')

// A POST or PATCH is retried only when asked for: repeating it may repeat its effect.
const IDEMPOTENT = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']
// A Retry-After longer than this is not waited for in full.
const MAX_RETRY_AFTER_MS = 60_000

function stripUndefined(o) {
  const out = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v
  return out
}

/** The client's retry option with its defaults, then a request's own `retry` on top of it. */
function resolveRetry(base, override) {
  const r = {
    enabled: base?.enabled ?? false,
    maxAttempts: base?.maxAttempts ?? 3,
    backoff: base?.backoff ?? 'exponential',
    backoffMs: base?.backoffMs ?? 1000,
    retryOn: base?.retryOn ?? [408, 429, 500, 502, 503, 504],
    retryOnNetworkError: base?.retryOnNetworkError ?? true,
    retryNonIdempotent: base?.retryNonIdempotent ?? false,
  }
  // a request that asks for retries itself may retry a POST: the caller knows it is safe
  if (override === true) return { ...r, enabled: true, retryNonIdempotent: true }
  if (override === false) return { ...r, enabled: false }
  if (override && typeof override === 'object') {
    return {
      ...r,
      ...stripUndefined(override),
      enabled: override.enabled ?? true,
      retryNonIdempotent: true,
    }
  }
  return r
}

function validateRetry(r, where) {
  if (!Number.isInteger(r.maxAttempts) || r.maxAttempts < 1) {
    throw configError(`${where}.maxAttempts must be a positive integer`)
  }
  if (!['exponential', 'linear', 'fixed'].includes(r.backoff)) {
    throw configError(`${where}.backoff must be one of 'exponential', 'linear', 'fixed'`)
  }
  if (typeof r.backoffMs !== 'number' || !(r.backoffMs >= 0)) {
    throw configError(`${where}.backoffMs must be a non-negative number`)
  }
  if (!Array.isArray(r.retryOn) || r.retryOn.some((s) => !Number.isInteger(s))) {
    throw configError(`${where}.retryOn must be an array of status codes`)
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms))
}

function backoffDelay(attempt, r) {
  if (r.backoff === 'exponential') return r.backoffMs * 2 ** (attempt - 1)
  if (r.backoff === 'linear') return r.backoffMs * attempt
  return r.backoffMs
}

/** Retry-After in seconds (it may be given as seconds or as an HTTP date). */
function parseRetryAfter(value) {
  if (value == null || value === '') return undefined
  const secs = Number(value)
  if (Number.isFinite(secs) && secs >= 0) return secs
  const at = Date.parse(value)
  if (Number.isFinite(at)) return Math.max(0, Math.ceil((at - wallNow()) / 1000))
  return undefined
}

/**
 * The exchange, repeated while the policy allows; the last one is returned with `attempts`
 * and `durationMs`. `logicalMethod` is the method before spoofing: a spoofed PUT is a PUT.
 */
async function sendWithRetry(s, method, logicalMethod, url, init, options, endpoint, timeoutMs) {
  const r = resolveRetry(s.config.retry, options.retry)
  const canRetry = r.enabled && (IDEMPOTENT.includes(logicalMethod) || r.retryNonIdempotent)
  const maxAttempts = canRetry ? r.maxAttempts : 1
  let last
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const started = monotonicNow()
    last = await exchange(s, url, init, timeoutMs, endpoint)
    last.attempts = attempt
    last.durationMs = Math.round(elapsedSince(started))
    if (attempt === maxAttempts) break
    let delay
    if (!last.ok) {
      if (last.timeout ? !r.retryOn.includes(408) : !r.retryOnNetworkError) break
      delay = backoffDelay(attempt, r)
    } else if (r.retryOn.includes(last.status)) {
      const ra = parseRetryAfter(last.headers.get('retry-after'))
      delay = ra !== undefined ? Math.min(ra * 1000, MAX_RETRY_AFTER_MS) : backoffDelay(attempt, r)
    } else {
      break
    }
    s.log(`↻ ${method} ${endpoint} retry ${attempt + 1}/${maxAttempts} in ${delay}ms`, {
      status: last.status,
      error: last.error?.message,
    })
    await sleep(delay)
  }
  return last
}

module.exports = { stripUndefined, resolveRetry, validateRetry, parseRetryAfter, sendWithRetry }
