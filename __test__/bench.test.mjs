// The bench's own helpers: statistics, ratios, formatting, the SVG plots and the packed-facts
// wire form the bench drives the engine with. (The bench itself runs as a smoke in npm test;
// its figures are never judged by a test.)
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import {
  commandCalls,
  native,
  packedHasUser,
  packedKind,
  packedStatus,
  packFacts,
  redisCommands,
} from '../bench/lib/common.mjs'
import { fmt, fmtRatio, ratios, summarize } from '../bench/lib/stats.mjs'
import { barChart, lineChart } from '../bench/lib/svg.mjs'

const require = createRequire(import.meta.url)

test('summarize gives median, min and max; ratios pair rounds one by one', () => {
  assert.deepEqual(summarize([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3 })
  assert.equal(summarize([4, 1, 2, 3]).median, 2.5)
  assert.equal(summarize([Number.NaN, 5]).median, 5)
  assert.equal(summarize([]).n, 0)
  const r = ratios([10, 20, 30], [5, 5, 10])
  assert.deepEqual([r.min, r.median, r.max], [2, 3, 4])
})

test('figures are printed with their range', () => {
  assert.equal(fmt({ median: 12.34, min: 11.9, max: 13, n: 3 }, 3, ' ms'), '12.3 ms (11.9–13.0)')
  assert.equal(fmt({ median: 1000, min: 1000, max: 1000, n: 3 }), '1,000')
  assert.equal(fmtRatio({ median: 1.234, min: 1.1, max: 1.3, n: 5 }), '×1.23 (1.10–1.30)')
  assert.equal(fmtRatio({ median: Number.NaN, n: 0 }), 'n/a')
})

test('plots are well-formed SVG that carry every label and escape text', () => {
  const { JSDOM } = require('jsdom')
  const parse = (svg) => {
    const doc = new JSDOM(svg, { contentType: 'image/svg+xml' }).window.document
    assert.equal(doc.getElementsByTagName('parsererror').length, 0)
    return doc
  }
  const bar = barChart({
    title: 'a <b> & c',
    unit: 'MB/s',
    log: true,
    groups: [
      {
        label: 'strip',
        bars: [
          { label: 'ours', median: 50, min: 40, max: 60 },
          { label: 'x<y', median: 2, min: 1, max: 3 },
        ],
      },
    ],
  })
  const doc = parse(bar)
  const texts = [...doc.getElementsByTagName('text')].map((t) => t.textContent)
  assert.ok(texts.includes('a <b> & c'))
  assert.ok(texts.includes('x<y'))
  assert.ok(texts.includes('strip'))
  // one bar per value, one whisker (3 lines) per range
  assert.equal(doc.getElementsByTagName('rect').length, 1 + 2)
  const line = lineChart({
    title: 'hit rate',
    xLabel: 'users',
    yLabel: '%',
    logX: true,
    series: [
      {
        label: 'sized',
        points: [
          { x: 1000, y: 97 },
          { x: 10000, y: 86, min: 85, max: 87 },
        ],
      },
    ],
  })
  const ld = parse(line)
  assert.equal(ld.getElementsByTagName('circle').length, 2)
  assert.equal(ld.getElementsByTagName('polyline').length, 1)
})

test('packed facts follow the engine field order; packed decisions are read back', () => {
  const names = native()
    .wireFormat()
    .facts.map((x) => x.name)
  const s = packFacts({ method: 'GET', path: '/x', cookie: 'a=1', ip: '10.0.0.1' }, true)
  const f = s.split('\n')
  assert.equal(f.length, names.length + 1)
  const at = (name) => f[1 + names.indexOf(name)]
  assert.deepEqual(
    [f[0], at('method'), at('path'), at('cookie'), at('ip'), at('rateLimitKey')],
    ['a', 'GET', '/x', 'a=1', '10.0.0.1', ''],
  )
  const d = 'next\n200\n\n\n0\n2\nx-auth-user\nabc\n0'
  assert.equal(packedKind(d), 'next')
  assert.equal(packedStatus(d), 200)
  assert.ok(packedHasUser(d))
  assert.equal(packedKind('pending'), 'pending')
  assert.ok(!packedHasUser('next\n200\n\n\n0\n0\n0'))
})

test('Redis commands are counted from INFO commandstats, the probe itself left out', async () => {
  const info = [
    '# Commandstats',
    'cmdstat_get:calls=3,usec=12,usec_per_call=4.00,rejected_calls=0,failed_calls=0',
    'cmdstat_info:calls=7,usec=90,usec_per_call=12.86,rejected_calls=0,failed_calls=0',
    'cmdstat_evalsha:calls=2,usec=30,usec_per_call=15.00,rejected_calls=0,failed_calls=0',
    '',
  ].join('\r\n')
  assert.equal(commandCalls(info), 5)
  assert.equal(commandCalls('# Commandstats\r\n'), 0)
  // Against a real redis-server: the proxy part's "cache hits send no command" rests on this.
  const { startRedis } = require('./helpers/redis.js')
  const redis = await startRedis()
  try {
    const before = await redisCommands(redis.port)
    assert.equal(await redisCommands(redis.port), before, 'two probes in a row count nothing')
    const net = require('node:net')
    await new Promise((resolve, reject) => {
      const sock = net.connect(redis.port, '127.0.0.1')
      let out = ''
      sock.on('connect', () => sock.write('SET k v\r\nGET k\r\nPING\r\n'))
      sock.on('data', (c) => {
        out += c
        if (out.split('\r\n').length > 4) {
          sock.destroy()
          resolve()
        }
      })
      sock.on('error', reject)
    })
    assert.equal(await redisCommands(redis.port), before + 3)
  } finally {
    await redis.stop()
  }
})
