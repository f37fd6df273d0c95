/** The `csrf` option of `createAuthProxy`. Checked natively, in the same call as auth. */
export interface CsrfOptions {
  /** Default `true` when the `csrf` object is given. */
  enabled?: boolean
  /**
   * - `'fetch-metadata'`: `Sec-Fetch-Site` decides (`same-origin` / `none` pass, `cross-site`
   *   fails, `same-site` only with `trustSameSite`; without the header a foreign `Origin` fails).
   * - `'double-submit'`: the header must equal the cookie and carry a valid HMAC for this session.
   * - `'both'` (default): Fetch Metadata, with double-submit when the header is missing
   *   (or for untrusted same-site requests).
   */
  strategy?: 'fetch-metadata' | 'double-submit' | 'both'
  /** Readable cookie holding the token. default `'__csrf'` */
  cookieName?: string
  /** Request header the client echoes the token in. default `'x-csrf-token'` */
  headerName?: string
  /** Methods never checked. default `['GET', 'HEAD', 'OPTIONS']` */
  ignoreMethods?: string[]
  /** Accept `Sec-Fetch-Site: same-site` without a token. default `false` */
  trustSameSite?: boolean
  /**
   * HMAC key, at least 32 characters. Required in production with 'double-submit' / 'both'
   * (construction error naming `csrf.secret`); in development a random per-process secret is
   * used, with a warning.
   */
  secret?: string
}
