// XSS sanitization helpers, backed by the native sanitizer (ammonia, a real HTML5 parser).
// A value is sanitized in one crossing: it goes to Rust as JSON text and comes back as JSON
// text; strings go straight across.

const native = require('../shared/native')

function nativeSanitizer(config) {
  const { skipEndpoints: _ignored, ...rest } = config || {}
  return new native.Sanitizer(rest)
}

function isFile(v) {
  return typeof Blob !== 'undefined' && v instanceof Blob
}

function skipKey(key, fields) {
  return fields.includes(key)
}

/**
 * Creates a sanitizer for one configuration. The native sanitizer is built once, here.
 */
function createSanitizer(config) {
  const s = nativeSanitizer(config)
  const enabled = s.enabled
  const baseSkip = Array.isArray(config?.skipFields) ? config.skipFields : []

  function sanitizeString(value) {
    if (!enabled || typeof value !== 'string') return value
    return s.sanitizeString(value)
  }

  function sanitizeValue(value, skipFields) {
    if (!enabled || value === null || value === undefined) return value
    if (typeof value === 'string') return s.sanitizeString(value)
    if (typeof value !== 'object') return value
    if (isFile(value) || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value
    const text = JSON.stringify(value)
    if (text === undefined) return value
    return JSON.parse(s.sanitizeJson(text, skipFields || undefined))
  }

  function sanitize(data, skipFields) {
    return sanitizeValue(data, skipFields)
  }

  /** JSON text in, sanitized JSON text out (throws `ERR_INVALID_INPUT` on malformed JSON). */
  function sanitizeJson(text, skipFields) {
    if (!enabled) return text
    return s.sanitizeJson(text, skipFields || undefined)
  }

  function sanitizeFormData(formData, skipFields) {
    if (!enabled) return formData
    const skip = skipFields ? [...baseSkip, ...skipFields] : baseSkip
    const entries = [...formData.entries()]
    const idx = []
    const strings = []
    entries.forEach(([key, value], i) => {
      if (typeof value === 'string' && !skipKey(key, skip)) {
        idx.push(i)
        strings.push(value)
      }
    })
    const cleaned = strings.length ? s.sanitizeStrings(strings) : []
    idx.forEach((entryIndex, j) => {
      entries[entryIndex] = [entries[entryIndex][0], cleaned[j]]
    })
    const out = new FormData()
    for (const [key, value] of entries) out.append(key, value)
    return out
  }

  return { sanitize, sanitizeString, sanitizeValue, sanitizeFormData, sanitizeJson, enabled }
}

let defaultSanitizer
function getDefault() {
  if (!defaultSanitizer) defaultSanitizer = createSanitizer({ enabled: true, mode: 'strip' })
  return defaultSanitizer
}

/** Sanitizes any JSON-like value with the default config (mode 'strip'). */
function sanitize(data) {
  return getDefault().sanitize(data)
}

module.exports = { createSanitizer, sanitize }
