// XSS sanitization helpers, backed by the native sanitizer (ammonia, a real HTML5 parser).

export interface SanitizationConfig {
  /** Sanitize at all. Default `true`. */
  enabled?: boolean
  /**
   * - `'strip'` (default): drop all markup, keep the text. Text without markup (`5 < 10 & Kur'an`)
   *   comes back unchanged; a `<` that could open a tag in the result is written `&lt;`, so
   *   entity-encoded markup never comes back to life. For apps that render text (React escapes it).
   * - `'escape'`: escape `& < > "` as entities, for raw HTML contexts.
   * - `'allowList'`: keep only `allowedTags` / `allowedAttributes`; event handlers, `style`,
   *   and `javascript:` / `vbscript:` / `data:` URLs (also inside `srcset`) are dropped.
   *
   * In every mode a string that is exactly a safe URL (http, https, ftp, mailto, tel, or a path
   * starting with a single `/`) is left untouched.
   */
  mode?: 'strip' | 'escape' | 'allowList'
  /**
   * Tags kept in `'allowList'` mode. Default: a rich-text set (`a b blockquote br code em h1-h6 hr i
   * img li ol p pre s span strong sub sup u ul table thead tbody tr th td`). `script`, `style`,
   * `iframe`, `svg`, `math` and other script-capable tags are refused with `ERR_CONFIG_INVALID`.
   */
  allowedTags?: string[]
  /**
   * Attributes kept in `'allowList'` mode: an array (for every allowed tag) or `{ tag: [attrs] }`
   * (`'*'` = every tag). Default `{ a: ['href', 'title'], img: ['src', 'alt', 'title', 'width', 'height'] }`.
   * `on*`, `style` and `srcdoc` are refused.
   */
  allowedAttributes?: string[] | Record<string, string[]>
  /** Allow `data:image/(png|jpeg|gif|webp);base64` on `img src` in `'allowList'` mode. Default `false`. */
  allowDataImages?: boolean
  /**
   * Fields whose values (whole subtrees) are left alone: a key name (`'html'`, matches at any
   * depth) or a dotted key path (`'data.page.raw'`, matched against the end of the path; array
   * indexes are not part of paths). Default `[]`.
   */
  skipFields?: string[]
  /** API client only: endpoint globs (`'cms/*'`, `'raw/**'`) whose responses are not sanitized. Default `[]`. */
  skipEndpoints?: string[]
}

export interface Sanitizer {
  /** Sanitizes any JSON-like value (one native call); `skipFields` adds to the configured ones. */
  sanitize<T>(data: T, skipFields?: string[]): T
  /** Sanitizes one string; non-strings are returned as they are. */
  sanitizeString(value: string): string
  /** Same as `sanitize`. */
  sanitizeValue<T>(value: T, skipFields?: string[]): T
  /** A new FormData with every string field sanitized (files untouched), in one native call. */
  sanitizeFormData(formData: FormData, skipFields?: string[]): FormData
  /** JSON text in, sanitized JSON text out. Throws an Error with `code: 'ERR_INVALID_INPUT'` on malformed JSON. */
  sanitizeJson(text: string, skipFields?: string[]): string
  readonly enabled: boolean
}

/** Builds a sanitizer once for a configuration. Bad config throws an Error with `code: 'ERR_CONFIG_INVALID'` naming the option. */
export declare function createSanitizer(config?: SanitizationConfig): Sanitizer
/** Sanitizes with the default configuration (`mode: 'strip'`). */
export declare function sanitize<T>(data: T): T
