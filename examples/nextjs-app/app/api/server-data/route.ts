import { apiClient } from '@/lib/api-client'

// createApiClient from a route handler. The token comes from the proxy's x-refreshed-token
// header or the cookies (read through next/headers), and every string of the backend's JSON is
// sanitized natively before it gets here.
//   GET /api/server-data        two backend calls combined into one answer
//   GET /api/server-data?raw=1  the client's result returned as it is: it is a Response whose
//                               body is the backend's sanitized JSON

type Post = { id: number; title: string; body: string; author: string }
type User = { id: number | string; name?: string; email?: string; type?: 'user' | 'guest' }

export async function GET(request: Request) {
  if (new URL(request.url).searchParams.get('raw') === '1') return apiClient.get('posts')
  const [posts, me] = await Promise.all([
    apiClient.get<Post[]>('posts'),
    apiClient.get<User>('auth/me'),
  ])
  return Response.json({
    success: posts.success,
    data: {
      posts: posts.success && Array.isArray(posts.data) ? posts.data : [],
      user: me.success ? me.data : null,
      userStatus: me.status,
      userError: me.error ? { name: me.error.name, code: me.error.code } : null,
    },
  })
}
