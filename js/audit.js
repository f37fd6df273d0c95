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
  if (typeof logger !== 'function') {
    const err = new TypeError('audit.logger must be a function')
    err.code = 'ERR_CONFIG_INVALID'
    throw err
  }
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

module.exports = { batchLogger }
