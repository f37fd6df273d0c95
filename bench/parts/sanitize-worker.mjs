// One (payload size, mode) cell of the sanitizer part in a fresh process:
//   node --max-old-space-size=8192 sanitize-worker.mjs '<size>' <mode> <runMode> <check 0|1>
// Prints one JSON line: { bytes, count, names, res }.
import { measure } from './sanitize.mjs'

const [size, mode, runMode, check] = process.argv.slice(2)
const r = await measure(size, mode, runMode, check === '1')
process.stdout.write(`${JSON.stringify(r)}\n`)
process.exit(0)
