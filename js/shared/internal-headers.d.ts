/**
 * Request headers the layer uses to talk to itself (`x-auth-user`, `x-auth-user-sig`, `x-refreshed-token`,
 * `x-locale`, `x-auth-token-source`). The auth proxy removes every incoming copy on every path.
 */
export declare const INTERNAL_HEADERS: readonly string[]
/** True when `name` (any case) is one of {@link INTERNAL_HEADERS}. */
export declare function isInternalHeader(name: string): boolean
/** A copy of `headers` with every internal header removed. */
export declare function stripInternalHeaders(
  headers: Headers | Iterable<[string, string]> | Record<string, string>,
): Headers
