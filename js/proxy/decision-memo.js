// The auth proxy's memo of bare "go on" answers: packed facts -> until when the engine said
// the same facts may be answered the same way. The facts are the whole input of a decision
// (method, path, query, the fact headers, the Cookie header); what else it rests on is the
// engine's judgement of the token and the time, so the engine says how long (the cache
// entry's deadline, never past the token's `exp` or the start of a proactive refresh) and
// moves its epoch (js/shared/engine.js lookupWordsOf) whenever it changes its mind about a
// token kept here. Rules that must see every request (rate limit, audit, CSRF on unsafe
// methods) make the engine keep nothing (src/auth/engine/decision_memo.rs).

const { lookupWordsOf } = require('../shared/engine')
const { createKeptAnswers } = require('../shared/kept-answers')
const { BARE_NEXT } = require('../shared/wire')

/** Answers kept per generation (at most twice as many in all: see kept-answers.js). */
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
  let kept
  let hits = 0
  return {
    decide(facts) {
      if (w === undefined) {
        w = lookupWordsOf(engine)
        if (w !== null) kept = createKeptAnswers(w.words, GENERATION)
      }
      if (w === null) return engine.decidePacked(facts)
      // The clock read before the engine is asked: kept no longer than it allowed from now.
      const now = performance.now()
      if (kept.get(facts, now) !== undefined) {
        hits++
        return BARE_NEXT
      }
      const s = engine.decidePacked(facts)
      const keep = w.keep[0]
      if (s === BARE_NEXT && keep > 0 && facts.length <= MAX_FACTS) {
        kept.keep(facts, { until: now + keep })
      }
      return s
    },
    /** Answers given from the memo (counted as cache hits decided synchronously). */
    get hits() {
      return hits
    },
    /** Answers kept now (for tests: the memo is bounded). */
    get size() {
      return kept ? kept.size : 0
    },
  }
}

module.exports = { createDecisionMemo }
