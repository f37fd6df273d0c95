// The auth proxy's memo of bare "go on" answers: packed facts -> until when the engine said
// the same facts may be answered the same way. The facts are the whole input of a decision
// (method, path, query, the fact headers, the Cookie header); what else it rests on is the
// engine's judgement of the token and the time, so the engine says how long (the cache
// entry's deadline, never past the token's `exp` or the start of a proactive refresh) and
// moves its epoch (js/shared/engine.js lookupWordsOf) whenever it changes its mind about a
// token kept here. Rules that must see every request (rate limit, audit, CSRF on unsafe
// methods) make the engine keep nothing (src/auth/engine/decision_memo.rs).

const { lookupWordsOf } = require('../shared/engine')
const { BARE_NEXT } = require('../shared/wire')

/**
 * Answers kept per generation: a full generation becomes the old one and the one before it is
 * dropped whole, so at most twice this many are kept (a FIFO's delete per insert, and V8
 * rehashing the table it leaves full of holes, cost more than the decision it saves).
 */
const GENERATION = 256
/** Longer packed facts are decided every time, so the memo stays small. */
const MAX_FACTS = 8192

/**
 * A memo for `engine`. `decide(facts)` answers as `engine.decidePacked(facts)` does, from the
 * memo when it may; where the engine's lookup words cannot be read (found at the first call),
 * it always asks the engine. The facts carry the `m` flag (`makePacker(csrfHeader, true)`),
 * which asks the engine for how long a bare answer may be kept.
 */
function createDecisionMemo(engine) {
  let w
  let map = new Map()
  let old = new Map()
  let epoch = -1
  let hits = 0
  return {
    decide(facts) {
      if (w === undefined) w = lookupWordsOf(engine)
      if (w === null) return engine.decidePacked(facts)
      // Both read before the engine is asked: an answer is kept no longer than the engine
      // allowed from this moment, and a change after this read moves the epoch.
      const e = w.words[0]
      const now = performance.now()
      if (e !== epoch) {
        map = new Map()
        old = new Map()
        epoch = e
      } else {
        const until = map.get(facts) ?? old.get(facts)
        if (until !== undefined && now < until) {
          hits++
          return BARE_NEXT
        }
      }
      const s = engine.decidePacked(facts)
      const keep = w.keep[0]
      if (s === BARE_NEXT && keep > 0 && facts.length <= MAX_FACTS) {
        if (map.size >= GENERATION) {
          old = map
          map = new Map()
        }
        map.set(facts, now + keep)
      }
      return s
    },
    /** Answers given from the memo (counted as cache hits decided synchronously). */
    get hits() {
      return hits
    },
    /** Answers kept now (for tests: the memo is bounded). */
    get size() {
      return map.size + old.size
    },
  }
}

module.exports = { createDecisionMemo }
