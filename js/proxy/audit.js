const { configError } = require('../shared/config-error')

/**
 * Turns a user's `audit.logger(event)` into the batch function the native auditor calls
 * (through a thread-safe function) with one JSON array of events per batch.
 *
 * The logger runs once per event, in order. A logger that throws, or returns a promise
 * that rejects, never affects a request or the other events of the batch; the native
 * side does not wait for a returned promise.
 *
 * @param {(event: object) => unknown} logger
 * @returns {(batchJson: string) => void}
 */
function batchLogger(logger) {
  if (typeof logger !== 'function') throw configError('audit.logger must be a function')
  return function deliverAuditBatch(batchJson) {
    let events
    try {
      events = JSON.parse(batchJson)
    } catch {
      return
    }
    if (!Array.isArray(events)) return
    for (const event of events) {
      try {
        const ret = logger(event)
        if (ret && typeof ret.then === 'function') ret.then(undefined, () => {})
      } catch {
        // A failing logger is the logger's problem, never the request's.
      }
    }
  }
}

/** Loggers per native engine (engines are shared by identical configs). */
const loggers = new WeakMap()

/**
 * Attaches `logger` to `engine`'s audit events. Proxies with the same declarative config share
 * one engine; each of their loggers receives the events, in order.
 * @param {{ setAuditLogger(deliver: (batchJson: string) => void): void }} engine
 * @param {(event: object) => unknown} logger
 */
function attachAuditLogger(engine, logger) {
  let set = loggers.get(engine)
  if (!set) {
    set = new Set()
    loggers.set(engine, set)
    const all = set
    engine.setAuditLogger(
      batchLogger((event) => {
        for (const l of all) {
          try {
            const ret = l(event)
            if (ret && typeof ret.then === 'function') ret.then(undefined, () => {})
          } catch {
            // One failing logger neither stops the others nor reaches a request.
          }
        }
      }),
    )
  }
  set.add(logger)
}

module.exports = { batchLogger, attachAuditLogger }
