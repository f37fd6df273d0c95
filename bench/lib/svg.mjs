// Dependency-free SVG plots: horizontal bars with min–max whiskers, and line charts.
// Output is deterministic text so the committed plots diff cleanly.

const COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#9c755f',
]
const esc = (s) =>
  String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
const r1 = (x) => Math.round(x * 10) / 10

function fmtTick(x) {
  const a = Math.abs(x)
  if (a === 0) return '0'
  if (a >= 1e6) return `${r1(x / 1e6)}M`
  if (a >= 1e3) return `${r1(x / 1e3)}k`
  if (a >= 1) return String(r1(x))
  return String(Number(x.toPrecision(2)))
}

function niceMax(x) {
  if (!(x > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(x))
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= x) return m * p
  return 10 * p
}

function logTicks(lo, hi) {
  const out = []
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e)
  return out
}

/**
 * Horizontal bar chart. `groups`: [{ label, bars: [{ label, median, min, max }] }].
 * Bar labels share colours across groups. `log` for a log axis.
 */
export function barChart({ title, unit = '', groups, log = false, note = '', refLine }) {
  const labels = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.label)))]
  const color = (l) => COLORS[labels.indexOf(l) % COLORS.length]
  const barH = 16
  const gap = 6
  const left = Math.round(Math.min(440, 20 + Math.max(...labels.map((l) => l.length)) * 6.6))
  const plotW = 470
  const width = left + plotW + 110
  const top = 44
  const rows = groups.reduce((n, g) => n + g.bars.length, 0)
  const labelled = groups.filter((g) => g.label).length
  const height = top + rows * (barH + 2) + groups.length * gap * 2 + labelled * 18 + 56
  const vals = groups.flatMap((g) => g.bars.flatMap((b) => [b.median, b.max])).filter((v) => v > 0)
  const maxV = Math.max(...vals, refLine || 0)
  let xs
  let ticks
  if (log) {
    const minV = Math.min(
      ...groups.flatMap((g) => g.bars.flatMap((b) => [b.min, b.median])).filter((v) => v > 0),
    )
    const lo = 10 ** Math.floor(Math.log10(minV))
    const hi = 10 ** Math.ceil(Math.log10(maxV))
    xs = (v) =>
      left +
      (plotW * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo))
    ticks = logTicks(lo, hi)
  } else {
    const hi = niceMax(maxV)
    xs = (v) => left + (plotW * Math.max(v, 0)) / hi
    ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * hi)
  }
  const o = []
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  )
  o.push(`<rect width="100%" height="100%" fill="#fff"/>`)
  o.push(
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
  )
  const plotBottom = height - 46
  for (const t of ticks) {
    const x = r1(xs(t))
    o.push(`<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${plotBottom}" stroke="#ddd"/>`)
    o.push(
      `<text x="${x}" y="${plotBottom + 14}" text-anchor="middle" fill="#444">${fmtTick(t)}</text>`,
    )
  }
  o.push(
    `<text x="${left + plotW / 2}" y="${plotBottom + 30}" text-anchor="middle" fill="#222">${esc(unit)}${log ? ' (log scale)' : ''}</text>`,
  )
  if (refLine) {
    const x = r1(xs(refLine))
    o.push(
      `<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${plotBottom}" stroke="#888" stroke-dasharray="4 3"/>`,
    )
  }
  let y = top
  for (const g of groups) {
    if (g.label) {
      o.push(`<text x="8" y="${y + 12}" font-weight="bold">${esc(g.label)}</text>`)
      y += 18
    }
    y += gap
    for (const b of g.bars) {
      const x0 = xs(log ? Math.min(...ticks) : 0)
      const xm = xs(b.median)
      o.push(
        `<text x="${left - 6}" y="${y + barH - 4}" text-anchor="end" fill="#333">${esc(b.label)}</text>`,
      )
      o.push(
        `<rect x="${r1(x0)}" y="${y}" width="${r1(Math.max(xm - x0, 1))}" height="${barH}" fill="${color(b.label)}"/>`,
      )
      if (Number.isFinite(b.min) && Number.isFinite(b.max) && b.max > b.min) {
        const cy = y + barH / 2
        o.push(
          `<line x1="${r1(xs(b.min))}" y1="${cy}" x2="${r1(xs(b.max))}" y2="${cy}" stroke="#000"/>`,
        )
        o.push(
          `<line x1="${r1(xs(b.min))}" y1="${cy - 4}" x2="${r1(xs(b.min))}" y2="${cy + 4}" stroke="#000"/>`,
        )
        o.push(
          `<line x1="${r1(xs(b.max))}" y1="${cy - 4}" x2="${r1(xs(b.max))}" y2="${cy + 4}" stroke="#000"/>`,
        )
      }
      o.push(
        `<text x="${r1(Math.max(xm, b.max > 0 ? xs(b.max) : xm) + 5)}" y="${y + barH - 4}" fill="#222">${esc(b.text ?? fmtTick(b.median))}</text>`,
      )
      y += barH + 2
    }
    y += gap
  }
  if (note)
    o.push(
      `<text x="${width - 8}" y="${height - 6}" text-anchor="end" fill="#666" font-size="10">${esc(note)}</text>`,
    )
  o.push('</svg>')
  return `${o.join('\n')}\n`
}

/**
 * Line chart. `series`: [{ label, points: [{ x, y, min?, max? }] }]. `logX` / `logY` axes.
 */
export function lineChart({
  title,
  xLabel,
  yLabel,
  series,
  logX = false,
  logY = false,
  note = '',
}) {
  const width = 760
  const height = 420 + series.length * 18
  const left = 80
  const right = 30
  const top = 44
  const bottom = 70 + series.length * 18
  const pw = width - left - right
  const ph = height - top - bottom
  const pts = series.flatMap((s) => s.points)
  const xsV = pts.map((p) => p.x)
  const ysV = pts.flatMap((p) => [p.y, p.max ?? p.y, p.min ?? p.y]).filter(Number.isFinite)
  const axis = (vals, log, len, invert) => {
    let lo = Math.min(...vals)
    let hi = Math.max(...vals)
    if (log) {
      lo = 10 ** Math.floor(Math.log10(Math.max(lo, 1e-9)))
      hi = 10 ** Math.ceil(Math.log10(Math.max(hi, lo * 10)))
      const f = (v) =>
        (len * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo))
      return { f: invert ? (v) => len - f(v) : f, ticks: logTicks(lo, hi) }
    }
    lo = Math.min(0, lo)
    hi = niceMax(hi)
    const f = (v) => (len * (v - lo)) / (hi - lo || 1)
    return {
      f: invert ? (v) => len - f(v) : f,
      ticks: [0, 0.25, 0.5, 0.75, 1].map((t) => lo + t * (hi - lo)),
    }
  }
  const ax = axis(xsV, logX, pw, false)
  const ay = axis(ysV, logY, ph, true)
  const px = (v) => r1(left + ax.f(v))
  const py = (v) => r1(top + ay.f(v))
  const o = []
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  )
  o.push(`<rect width="100%" height="100%" fill="#fff"/>`)
  o.push(
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
  )
  for (const t of ax.ticks) {
    o.push(`<line x1="${px(t)}" y1="${top}" x2="${px(t)}" y2="${top + ph}" stroke="#eee"/>`)
    o.push(
      `<text x="${px(t)}" y="${top + ph + 16}" text-anchor="middle" fill="#444">${fmtTick(t)}</text>`,
    )
  }
  for (const t of ay.ticks) {
    o.push(`<line x1="${left}" y1="${py(t)}" x2="${left + pw}" y2="${py(t)}" stroke="#eee"/>`)
    o.push(
      `<text x="${left - 6}" y="${py(t) + 4}" text-anchor="end" fill="#444">${fmtTick(t)}</text>`,
    )
  }
  o.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`)
  o.push(
    `<text x="${left + pw / 2}" y="${top + ph + 36}" text-anchor="middle">${esc(xLabel)}${logX ? ' (log)' : ''}</text>`,
  )
  o.push(
    `<text transform="translate(18 ${top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}${logY ? ' (log)' : ''}</text>`,
  )
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length]
    const p = s.points.filter((q) => Number.isFinite(q.y))
    if (p.length)
      o.push(
        `<polyline fill="none" stroke="${c}" stroke-width="2" points="${p.map((q) => `${px(q.x)},${py(q.y)}`).join(' ')}"/>`,
      )
    for (const q of p) {
      o.push(`<circle cx="${px(q.x)}" cy="${py(q.y)}" r="3.5" fill="${c}"/>`)
      if (Number.isFinite(q.min) && Number.isFinite(q.max) && q.max > q.min) {
        o.push(
          `<line x1="${px(q.x)}" y1="${py(q.min)}" x2="${px(q.x)}" y2="${py(q.max)}" stroke="${c}"/>`,
        )
      }
    }
    const ly = top + ph + 62 + i * 18
    o.push(`<rect x="${left}" y="${ly - 10}" width="12" height="12" fill="${c}"/>`)
    o.push(`<text x="${left + 18}" y="${ly}">${esc(s.label)}</text>`)
  })
  if (note)
    o.push(
      `<text x="${width - 8}" y="${height - 6}" text-anchor="end" fill="#666" font-size="10">${esc(note)}</text>`,
    )
  o.push('</svg>')
  return `${o.join('\n')}\n`
}
