import { apiClient } from '@/lib/api-client'

export const metadata = { title: 'Server data' }

type Post = { id: number; title: string; body: string; author: string }
type User = { id: number | string; name?: string; type?: 'user' | 'guest' }

// A server component calling the backend with createApiClient: the public posts list keeps
// Next.js revalidation (the `next` option goes to fetch), the user comes from the token cascade.
export default async function ServerDataPage() {
  const [posts, me] = await Promise.all([
    apiClient.get<Post[]>('posts', { next: { revalidate: 30, tags: ['posts'] } }),
    apiClient.get<User>('auth/me'),
  ])
  const who = !me.success
    ? `nobody (${me.status}${me.error ? ` ${me.error.name}` : ''})`
    : me.data.type === 'guest'
      ? 'a guest'
      : (me.data.name ?? String(me.data.id))
  const list = posts.success && Array.isArray(posts.data) ? posts.data : []
  return (
    <div className="card">
      <h1>Server data</h1>
      <p className="muted">
        Rendered on the server with <code>createApiClient</code>. Post bodies are sanitized natively
        (ammonia) before this page sees them.
      </p>
      <p data-testid="server-user">
        Signed in as: <strong>{who}</strong>
      </p>
      {!posts.success ? (
        <p className="alert" role="alert">
          {posts.message ?? 'Could not load posts'}
        </p>
      ) : null}
      <div data-testid="server-posts">
        {list.map((p) => (
          <article key={p.id} className="post">
            <h2>{p.title}</h2>
            {/* biome-ignore lint/security/noDangerouslySetInnerHtml: sanitized by the API client (ammonia, strip mode) */}
            <div dangerouslySetInnerHTML={{ __html: p.body }} />
          </article>
        ))}
      </div>
      <div data-testid="server-posts-end" />
    </div>
  )
}
