// The proxy part's load generator, in a process of its own (forked by bench/lib/load.mjs) so it
// can be pinned and niced apart from the bench and from the servers it loads. Each message asks
// for one or more runs at the same time (autocannon's closed loop, or `paced`: an open loop at a
// fixed, even rate) and gets their results back in autocannon's shape.
import http from 'node:http'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const autocannon = require('autocannon')

function one(job) {
  if (job.paced) return paced(job)
  return new Promise((resolve, reject) => {
    autocannon(job, (err, r) => (err ? reject(err) : resolve(r)))
  })
}

/**
 * Open loop: `paced` requests per second issued evenly (every 1/rate s, whatever the answers do;
 * queued when all `connections` keep-alive sockets are busy), for `duration` s; the requests still
 * in flight at the end are awaited and counted. autocannon's own rate sends each second's budget
 * in a burst at the start of the second, a closed loop in small.
 */
function paced({ url, headers, connections, duration, paced: rate }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections })
  const lat = []
  let errors = 0
  let sent = 0
  let done = 0 // answered, whatever the status
  let settled = 0 // answered or failed
  const t0 = performance.now()
  return new Promise((resolve) => {
    const finish = () => {
      agent.destroy()
      lat.sort((a, b) => a - b)
      const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0
      resolve({
        requests: { total: done, average: done / duration },
        latency: { p50: q(0.5), p99: q(0.99) },
        errors,
        timeouts: 0,
        non2xx: 0,
        duration,
      })
    }
    const fire = () => {
      const start = performance.now()
      sent++
      const settle = () => {
        settled++
        if (stopped && settled === sent) finish()
      }
      const req = http.get(url, { agent, headers }, (res) => {
        if (res.statusCode !== 200) errors++
        res.resume()
        res.on('end', () => {
          lat.push(performance.now() - start)
          done++
          settle()
        })
      })
      req.on('error', () => {
        errors++
        settle()
      })
    }
    let stopped = false
    const timer = setInterval(() => {
      const elapsed = (performance.now() - t0) / 1000
      if (elapsed >= duration) {
        clearInterval(timer)
        stopped = true
        if (settled === sent) finish()
        return
      }
      const due = Math.floor(elapsed * rate) - sent
      for (let i = 0; i < due; i++) fire()
    }, 1)
  })
}

process.on('message', async ({ id, jobs }) => {
  try {
    const results = await Promise.all(jobs.map(one))
    const slim = results.map((r) => ({
      total: r.requests.total,
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors + r.timeouts + r.non2xx,
      duration: r.duration,
    }))
    process.send({ id, results: slim })
  } catch (err) {
    process.send({ id, error: String(err?.stack || err) })
  }
})
