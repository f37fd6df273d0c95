// JSON walking helpers for the sanitizer part (the payloads come from bench/sanitize.mjs).

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
