// The sanitizer helpers (createSanitizer, sanitize) against the built addon. Output is checked in
// a real DOM (jsdom): inserted with innerHTML, no sanitized string may produce script-capable
// elements, event handler attributes or script URLs.

const test = require('node:test')
const assert = require('node:assert/strict')
const { assertConfigErrors } = require('./helpers/config.js')
const { JSDOM } = require('jsdom')
const { createSanitizer, sanitize } = require('../js/api/sanitize')

const { window } = new JSDOM('<!doctype html><body><div id="root"></div></body>')
const root = window.document.getElementById('root')

const VECTORS = [
  '<script>alert(1)</script>',
  '<IMG SRC="javascript:alert(\'XSS\');">',
  '<IMG SRC=JaVaScRiPt:alert(1)>',
  '<a onmouseover="alert(document.cookie)">xxs link</a>',
  '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
  '<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>',
  '<a href="&#106;avascript:alert(1)">entity</a>',
  '<a href="jav&#x09;ascript:alert(1)">tab</a>',
  '<a href="javascript&colon;alert(1)">colon</a>',
  '<a href="vbscript:msgbox(1)">vb</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
  '<svg/onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
  '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
  '<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>',
  '<img srcset="javascript:alert(1) 1x, /ok.png 2x">',
  '<button formaction="javascript:alert(1)">x</button>',
  '<form action="javascript:alert(1)"><input type=submit formaction="javascript:alert(1)"></form>',
  '<details open ontoggle=alert(1)>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<object data="javascript:alert(1)"></object>',
  '<!--<img src="--><img src=x onerror=alert(1)//">',
  '<textarea><script>alert(1)</script></textarea>',
  '<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>',
  '<b>&lt;img src=x onerror=alert(1)&gt;</b>',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<div style="background:url(javascript:alert(1))">x</div>',
]

const BENIGN = [
  "5 < 10 & Kur'an",
  'Tom & Jerry',
  'x < y > z',
  'price > 100 & qty < 5',
  'https://example.com/path?a=1&b=2#frag',
  '/relative/path?x=1',
  'mailto:demo@example.com',
  'Ünïcødé — “quotes” 日本語 🎉',
  'line one\r\nline two\n\ttabbed',
  '',
]

const DANGEROUS_TAGS = new Set([
  'SCRIPT',
  'IFRAME',
  'OBJECT',
  'EMBED',
  'SVG',
  'MATH',
  'STYLE',
  'FORM',
  'BUTTON',
  'INPUT',
  'BASE',
  'META',
  'LINK',
  'TEMPLATE',
  'NOSCRIPT',
  'TEXTAREA',
])
const URL_ATTRS = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'srcset']

/** Inserts `html` as innerHTML and returns the problems found in the resulting DOM. */
function domProblems(html) {
  root.innerHTML = html
  const problems = []
  for (const el of root.querySelectorAll('*')) {
    if (DANGEROUS_TAGS.has(el.tagName.toUpperCase())) problems.push(`element ${el.tagName}`)
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase()
      if (name.startsWith('on') || name === 'style' || name === 'srcdoc')
        problems.push(`attribute ${name}`)
      if (URL_ATTRS.includes(name)) {
        for (const candidate of name === 'srcset' ? attr.value.split(',') : [attr.value]) {
          const v = [...candidate]
            .filter((c) => c.charCodeAt(0) > 0x20)
            .join('')
            .toLowerCase()
          if (
            /^(javascript|vbscript|data):/.test(v) &&
            !/^data:image\/(png|jpeg|gif|webp);base64,/.test(v)
          ) {
            problems.push(`${name}=${attr.value}`)
          }
        }
      }
    }
  }
  return problems
}

test('strip: no sanitized vector creates any element when inserted as HTML', () => {
  const s = createSanitizer({ mode: 'strip' })
  for (const v of VECTORS) {
    const out = s.sanitizeString(v)
    root.innerHTML = out
    assert.equal(
      root.querySelectorAll('*').length,
      0,
      `elements from ${JSON.stringify(v)} -> ${JSON.stringify(out)}`,
    )
  }
})

test('strip: entity-encoded markup is not revived', () => {
  const s = createSanitizer({ mode: 'strip' })
  const out = s.sanitizeString('<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>')
  root.innerHTML = out
  assert.equal(root.querySelectorAll('*').length, 0)
  assert.equal(root.textContent, '<script>alert(1)</script>')
  assert.equal(s.sanitizeString('<p>Hello <b>world</b></p>'), 'Hello world')
})

test('escape: output is inert text in HTML', () => {
  const s = createSanitizer({ mode: 'escape' })
  for (const v of VECTORS) {
    const out = s.sanitizeString(v)
    root.innerHTML = out
    assert.equal(root.querySelectorAll('*').length, 0, v)
    assert.equal(root.textContent, v, 'escape keeps the text exactly')
  }
  assert.equal(s.sanitizeString('a "b" <c> & d'), 'a &quot;b&quot; &lt;c&gt; &amp; d')
})

test('allowList: only allowed, safe markup survives in a real DOM', () => {
  const s = createSanitizer({ mode: 'allowList' })
  for (const v of VECTORS) {
    const out = s.sanitizeString(v)
    assert.deepEqual(domProblems(out), [], `${JSON.stringify(v)} -> ${JSON.stringify(out)}`)
  }
  assert.equal(
    s.sanitizeString('<p>Hi <b>there</b> <a href="/posts/1">post</a></p>'),
    '<p>Hi <b>there</b> <a href="/posts/1" rel="noopener noreferrer">post</a></p>',
  )
})

test('allowList: custom tags/attributes, data images only when configured', () => {
  const s = createSanitizer({
    mode: 'allowList',
    allowedTags: ['p', 'img'],
    allowedAttributes: { img: ['src', 'alt'] },
    allowDataImages: true,
  })
  assert.equal(s.sanitizeString('<p class="x"><em>a</em></p>'), '<p>a</p>')
  const png = '<img src="data:image/png;base64,iVBORw0KGgo=" alt="a">'
  assert.equal(s.sanitizeString(png), png)
  assert.equal(s.sanitizeString('<img src="data:text/html;base64,PHA+">'), '<img>')
  const off = createSanitizer({ mode: 'allowList' })
  assert.equal(off.sanitizeString('<img src="data:image/png;base64,iVBORw0KGgo=">'), '<img>')
})

test('benign text survives unchanged in strip and allowList modes', () => {
  for (const mode of ['strip', 'allowList']) {
    const s = createSanitizer({ mode })
    for (const t of BENIGN) assert.equal(s.sanitizeString(t), t, `${mode}: ${JSON.stringify(t)}`)
  }
})

test('sanitize(data) walks values natively and keeps non-strings', () => {
  const data = {
    id: 7,
    ok: true,
    nothing: null,
    title: '<b>Title</b>',
    tags: ['<i>a</i>', 'b & c'],
    nested: { body: '<img src=x onerror=alert(1)>text', n: 1.5 },
    url: 'https://example.com/?a=1&b=2',
  }
  assert.deepEqual(sanitize(data), {
    id: 7,
    ok: true,
    nothing: null,
    title: 'Title',
    tags: ['a', 'b & c'],
    nested: { body: 'text', n: 1.5 },
    url: 'https://example.com/?a=1&b=2',
  })
  assert.equal(sanitize('<script>x</script>y'), 'y')
  assert.equal(sanitize(42), 42)
  assert.equal(sanitize(null), null)
})

test('skipFields: by key name and by dotted path, plus per-call fields', () => {
  const s = createSanitizer({ skipFields: ['html', 'page.raw'] })
  const out = s.sanitize({
    html: '<b>kept</b>',
    deep: [{ html: '<i>kept</i>' }],
    page: { raw: '<p>kept</p>', other: '<p>gone</p>' },
    raw: '<p>gone</p>',
    body: '<b>x</b>',
  })
  assert.deepEqual(out, {
    html: '<b>kept</b>',
    deep: [{ html: '<i>kept</i>' }],
    page: { raw: '<p>kept</p>', other: 'gone' },
    raw: 'gone',
    body: 'x',
  })
  assert.equal(s.sanitize({ body: '<b>x</b>' }, ['body']).body, '<b>x</b>')
  assert.equal(s.sanitizeValue({ a: '<b>x</b>' }).a, 'x')
})

test('sanitizeFormData: strings sanitized in one call, files and skipped fields untouched', async () => {
  const s = createSanitizer({ skipFields: ['raw'] })
  const fd = new FormData()
  fd.append('name', '<b>Jane</b>')
  fd.append('raw', '<b>raw</b>')
  fd.append('tags', '<i>a</i>')
  fd.append('tags', 'b')
  fd.append('file', new Blob(['<script>file content</script>'], { type: 'text/html' }), 'a.html')
  const out = s.sanitizeFormData(fd, ['extra'])
  assert.equal(out.get('name'), 'Jane')
  assert.equal(out.get('raw'), '<b>raw</b>')
  assert.deepEqual(out.getAll('tags'), ['a', 'b'])
  const file = out.get('file')
  assert.equal(file.name, 'a.html')
  assert.equal(await file.text(), '<script>file content</script>')
})

test('disabled: nothing changes', () => {
  const s = createSanitizer({ enabled: false })
  assert.equal(s.sanitizeString('<script>x</script>'), '<script>x</script>')
  const o = { a: '<b>x</b>' }
  assert.equal(s.sanitize(o), o)
})

test('bad config throws ERR_CONFIG_INVALID naming the option', () => {
  const cases = [
    [{ mode: 'nope' }, /sanitization\.mode/],
    [{ enabled: 'yes' }, /sanitization\.enabled/],
    [{ allowedTags: 'p' }, /sanitization\.allowedTags/],
    [{ mode: 'allowList', allowedTags: ['script'] }, /'script'/],
    [{ allowedAttributes: ['onclick'] }, /'onclick'/],
    [{ skipFields: [1] }, /sanitization\.skipFields/],
  ]
  assertConfigErrors(createSanitizer, cases)
})

test('sanitizeJson: malformed JSON is a clear error, depth 100000 is fine', () => {
  const s = createSanitizer()
  assert.throws(
    () => s.sanitizeJson('{"a": nope}'),
    (e) => e.code === 'ERR_INVALID_INPUT' && /invalid JSON at byte 6/.test(e.message),
  )
  const depth = 100000
  const text = `${'['.repeat(depth)}"<script>alert(1)</script>deep"${']'.repeat(depth)}`
  const out = s.sanitizeJson(text)
  assert.equal(out, `${'['.repeat(depth)}"deep"${']'.repeat(depth)}`)
})
