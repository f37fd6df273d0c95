// Answers kept until their deadline and only while the engine's epoch stays where it was
// (js/shared/engine.js lookupWordsOf): the mechanism behind getServerUser's memo (cookie
// header -> user) and the auth proxy's (packed facts -> bare "go on"). The engine says how
// long an answer may be kept and moves the epoch whenever it changes its mind about a token a
// kept answer rests on; a moved epoch empties everything.
//
// Two generations: a full one becomes the old one and the one before it is dropped whole, so
// at most twice `generation` answers are kept. A FIFO's delete per insert, and V8 rehashing the
// table it leaves full of holes, cost more than the native call a kept answer saves.

/**
 * @template {{ until: number }} T
 * @param {Uint32Array} words the engine's lookup words (`words[0]` is the epoch)
 * @param {number} generation answers per generation
 */
function createKeptAnswers(words, generation) {
  /** @type {Map<string, T>} */
  let map = new Map()
  /** @type {Map<string, T>} */
  let old = new Map()
  let epoch = -1
  return {
    /**
     * The answer kept for `key` at `now`, if any. Call it before asking the engine: it reads
     * the epoch, and an answer `keep` adds after the engine is asked belongs to that epoch (a
     * change the engine makes meanwhile moves it, and the next call empties everything).
     * @returns {T | undefined}
     */
    get(key, now) {
      const e = words[0]
      if (e !== epoch) {
        map = new Map()
        old = new Map()
        epoch = e
        return undefined
      }
      const hit = map.get(key) ?? old.get(key)
      return hit !== undefined && now < hit.until ? hit : undefined
    },
    /** Keeps `answer` for `key` (until `answer.until`). */
    keep(key, answer) {
      if (map.size >= generation) {
        old = map
        map = new Map()
      }
      map.set(key, answer)
    },
    /** Answers kept now (the memo is bounded). */
    get size() {
      return map.size + old.size
    },
  }
}

module.exports = { createKeptAnswers }
