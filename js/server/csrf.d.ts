/**
 * The current CSRF token for server-rendered forms and server actions (reads the cookie the
 * auth proxy set, via `next/headers`), or null.
 */
export declare function getCsrfToken(options?: { cookieName?: string }): Promise<string | null>
export declare const CSRF_COOKIE: '__csrf'
export declare const CSRF_HEADER: 'x-csrf-token'
