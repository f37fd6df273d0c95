// Error classes, guards and the sanitizer helpers, from the package entry.

import type { SanitizationConfig, Sanitizer } from 'next-api-layer-native'
import {
  ApiError,
  AuthError,
  createSanitizer,
  HttpError,
  isApiError,
  isAuthError,
  isHttpError,
  isNetworkError,
  isRateLimitError,
  isRetryableError,
  isRetryableStatus,
  isTimeoutError,
  isValidationError,
  NetworkError,
  RateLimitError,
  RETRYABLE_STATUS,
  sanitize,
  TimeoutError,
  ValidationError,
} from 'next-api-layer-native'

function explain(error: unknown): string {
  if (isValidationError(error)) return error.firstMessage ?? error.allMessages.join(', ')
  if (isRateLimitError(error)) return `retry after ${error.retryAfter ?? 0}s`
  if (isTimeoutError(error)) return `${error.endpoint} took over ${error.timeoutMs}ms`
  if (isAuthError(error)) {
    const reason: 'no_token' | 'invalid_token' | 'expired_token' = error.reason
    return reason
  }
  if (isNetworkError(error)) return error.endpoint
  if (isHttpError(error)) return `${error.status} ${error.statusText} ${error.isServerError}`
  if (isApiError(error)) return error.code
  return String(error)
}
void explain
const errors: ApiError[] = [
  new ApiError('x', 'CODE', { endpoint: '/a', status: 500 }),
  new HttpError('x', 404, { statusText: 'Not Found' }),
  new TimeoutError('/slow', 1000),
  new NetworkError('/down', { cause: new Error('ECONNREFUSED') }),
  new AuthError('no_token'),
  new ValidationError('/v', { email: ['taken'] }),
  new RateLimitError({ retryAfter: 1 }),
]
void errors
const retry: boolean = isRetryableStatus(503) && isRetryableError(new Error('x'))
const statuses: readonly number[] = RETRYABLE_STATUS
void retry
void statuses
// @ts-expect-error reason is one of the documented values
new AuthError('forbidden')
// @ts-expect-error field errors are lists of messages
new ValidationError('/v', { email: 'taken' })

const config: SanitizationConfig = {
  enabled: true,
  mode: 'allowList',
  allowedTags: ['p', 'a', 'strong'],
  allowedAttributes: { a: ['href', 'title'], '*': ['title'] },
  allowDataImages: false,
  skipFields: ['html', 'data.page.raw'],
  skipEndpoints: ['cms/**'],
}
const s: Sanitizer = createSanitizer(config)
const post: { title: string; tags: string[] } = s.sanitize({ title: '<b>x</b>', tags: ['a'] })
const text: string = s.sanitizeString('<img onerror=alert(1)>')
const form: FormData = s.sanitizeFormData(new FormData(), ['raw'])
const json: string = s.sanitizeJson('{"a":"<b>x</b>"}')
const same: number[] = sanitize([1, 2])
const on: boolean = s.enabled
void [post, text, form, json, same, on, s.sanitizeValue('x')]
createSanitizer({ allowedAttributes: ['href'] })
// @ts-expect-error unknown mode
createSanitizer({ mode: 'remove' })
// @ts-expect-error allowedTags is a list
createSanitizer({ allowedTags: 'p' })
