// createApiClient: every option of the client and of a request, generics on the result.

import type { ApiClient, ApiClientConfig, ApiResult, RequestOptions } from 'next-api-layer-native'
import { createApiClient, createRedactor, isValidationError } from 'next-api-layer-native'

type Post = { id: number; title: string; body: string }

const config: ApiClientConfig = {
  apiBaseUrl: 'https://api.example.com/api',
  cookies: { user: 'userToken', guest: 'guestToken' },
  auth: { skipByDefault: false, publicEndpoints: ['posts', 'posts/*', 'public/**'] },
  sanitization: { enabled: true, mode: 'strip', skipFields: ['html'], skipEndpoints: ['cms/**'] },
  i18n: { enabled: true, paramName: 'lang', locales: ['en', 'tr'], defaultLocale: 'en' },
  methodSpoofing: { enabled: true, strategy: 'body', fieldName: '_method' },
  timeout: 30_000,
  defaultHeaders: { 'x-app': 'web' },
  errorMessages: {
    noToken: 'Please log in.',
    connectionError: 'Offline.',
    serverError: 'Server error.',
    timeout: 'Too slow.',
    invalidResponse: 'Bad JSON.',
  },
  retry: {
    enabled: true,
    maxAttempts: 3,
    backoff: 'exponential',
    backoffMs: 200,
    retryOn: [502, 503, 504],
    retryOnNetworkError: true,
    retryNonIdempotent: false,
  },
  dedupe: { enabled: true, methods: ['GET'] },
  requestId: { enabled: true, headerName: 'X-Request-ID', generator: () => crypto.randomUUID() },
  debug: {
    enabled: true,
    logRequests: true,
    logResponses: true,
    logTiming: true,
    logHeaders: false,
    logRequestBody: false,
    logResponseBody: false,
    maxStringLength: 200,
    maxArrayItems: 10,
    maxDepth: 5,
    autoMask: true,
    sensitiveFields: ['ssn', /secret/i],
    logger: (message, data) => console.log(message, data),
  },
  throwOnError: false,
  getHeaders: () => new Headers(),
  getCookies: async () => ({ userToken: 'x' }),
}

const api: ApiClient = createApiClient(config)
createApiClient({
  apiBaseUrl: 'https://api.example.com',
  methodSpoofing: true,
  dedupe: true,
  debug: true,
})

const perRequest: RequestOptions = {
  isFormData: false,
  methodSpoofing: true,
  skipAuth: false,
  skipSanitize: false,
  skipSanitizeFields: ['raw'],
  timeout: 5_000,
  retry: { maxAttempts: 2 },
  dedupe: false,
  requestId: 'req-1',
  params: { page: 1, tags: ['a', 'b'], draft: null },
  headers: { 'x-extra': '1' },
  next: { revalidate: 60, tags: ['posts'] },
  cache: 'no-store',
  context: { headers: { 'x-locale': 'en' }, cookies: 'userToken=x' },
  throwOnError: true,
}

async function use(): Promise<void> {
  const list: ApiResult<Post[]> = await api.get<Post[]>('posts', perRequest)
  if (list.success) {
    const titles: string[] = list.data.map((p) => p.title)
    void titles
  }
  const created = await api.post<Post>('posts', { title: 'x' })
  if (!created.success && isValidationError(created.error)) {
    const first: string | undefined = created.error.firstMessage
    void first
  }
  const form = new FormData()
  form.set('name', 'x')
  await api.put('profile', form, { isFormData: true })
  await api.patch('profile', { name: 'x' }, { methodSpoofing: false })
  await api.delete('posts/1')
  await api.delete('posts/1', { hard: true }, { retry: false })
  await api.request('OPTIONS', 'posts')
  // A result is a real Response: a route handler can return it as it is.
  const asResponse: Response = await api.get('posts')
  void asResponse
  // @ts-expect-error the result is typed by the generic
  const wrong: string = (await api.get<Post>('posts/1')).data
  void wrong
}
void use

const redactor = createRedactor({ sensitiveFields: ['pin'] })
const masked: unknown = redactor.redact({ pin: 1 })
const sensitive: boolean = redactor.isSensitive('authorization')
void masked
void sensitive

// @ts-expect-error apiBaseUrl is required
createApiClient({ timeout: 1000 })
// @ts-expect-error backoff is one of the documented strategies
createApiClient({ apiBaseUrl: 'x', retry: { backoff: 'random' } })
// @ts-expect-error methodSpoofing strategy is 'body' or 'header'
createApiClient({ apiBaseUrl: 'x', methodSpoofing: { strategy: 'query' } })
// @ts-expect-error next.revalidate is seconds or false
api.get('posts', { next: { revalidate: '60' } })
