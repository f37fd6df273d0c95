import { EventsList } from './events-list'

export const metadata = { title: 'Live events' }

export default function EventsPage() {
  return (
    <div className="card">
      <h1>Live events</h1>
      <p className="muted">
        Server-sent events from the backend&apos;s <code>/events</code>, streamed through the
        catch-all proxy <code>/api/[...path]</code> one by one (nothing is buffered).
      </p>
      <EventsList />
    </div>
  )
}
