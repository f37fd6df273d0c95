// Preloaded into the proxy part's `next start` servers (node --expose-gc --require this): SIGUSR2
// runs a full garbage collection, so the bench can start every server's round from a collected
// heap and a round does not differ from the next by whether V8's next major GC fell into it.
if (typeof globalThis.gc === 'function') process.on('SIGUSR2', () => globalThis.gc())
