import { richTextApiClient } from '@/lib/api-client'

export const metadata = { title: 'Posts' }

type Post = { id: number; title: string; body: string; author: string }

export default async function PostsPage() {
  const json = await richTextApiClient.get<Post[]>('posts')
  const posts = json.success && Array.isArray(json.data) ? json.data : []
  return (
    <div className="card">
      <h1>Posts</h1>
      <p className="muted">
        Bodies are HTML from the backend, some with XSS payloads. The API client sanitizes every
        string in the JSON natively before the page renders it.
      </p>
      {!json.success ? (
        <p className="alert" role="alert">
          {json.message ?? 'Could not load posts'}
        </p>
      ) : null}
      <div data-testid="posts">
        {posts.map((p) => (
          <article key={p.id} className="post">
            <h2>{p.title}</h2>
            <p className="muted">by {p.author}</p>
            {/* biome-ignore lint/security/noDangerouslySetInnerHtml: sanitized by the API client (ammonia) */}
            <div dangerouslySetInnerHTML={{ __html: p.body }} />
          </article>
        ))}
      </div>
    </div>
  )
}
