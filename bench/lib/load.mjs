// Load from a separate process (bench/lib/loadgen.mjs) and CPU time of a server from /proc.
import { execFileSync, fork } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = path.dirname(fileURLToPath(import.meta.url))

/** A forked load generator; `run(jobs)` runs autocannon jobs at the same time. */
export function startLoadgen() {
  const child = fork(path.join(HERE, 'loadgen.mjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let next = 0
  const waiting = new Map()
  child.on('message', (m) => {
    const w = waiting.get(m.id)
    waiting.delete(m.id)
    if (m.error) w.reject(new Error(m.error))
    else w.resolve(m.results)
  })
  child.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`load generator exited (${code})`))
    waiting.clear()
  })
  return {
    pid: child.pid,
    run(jobs) {
      const id = next++
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject })
        child.send({ id, jobs })
      })
    },
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** On-CPU time of every thread of `pid`, in ns (/proc/<pid>/task/<tid>/schedstat). */
export function cpuNsOf(pid) {
  let ns = 0
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0])
    } catch {}
  }
  return ns
}

/** Pins every thread of `pid` to `cpus` ('0', '1', '0,1'). */
export function pin(pid, cpus) {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' })
}
