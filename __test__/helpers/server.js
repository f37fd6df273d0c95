// Test helpers shared by the adapter tests: a throwaway HTTP backend with hand-made answers,
// and the server log (console.error) of a block of code.

const http = require('node:http')

/**
 * Runs `fn(url, server)` against an HTTP server on 127.0.0.1 (random port) answering with
 * `listener`; the server and all its connections are closed afterwards, whatever happens.
 */
async function withServer(listener, fn) {
  const server = http.createServer(listener)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    return await fn(`http://127.0.0.1:${server.address().port}`, server)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

/** Runs `fn()` with console.error captured; resolves the lines it logged (and restores it). */
async function captureErrors(fn) {
  const original = console.error
  const logged = []
  console.error = (...args) => logged.push(args.join(' '))
  try {
    await fn()
  } finally {
    console.error = original
  }
  return logged
}

module.exports = { withServer, captureErrors }
