'use client'

import { useEffect, useState } from 'react'

type Received = { n: number; at: string }

export function EventsList({ count = 6, interval = 600 }: { count?: number; interval?: number }) {
  const [events, setEvents] = useState<Received[]>([])
  const [state, setState] = useState<'connecting' | 'open' | 'done' | 'error'>('connecting')

  useEffect(() => {
    const source = new EventSource(`/api/events?count=${count}&interval=${interval}`)
    let received = 0
    source.onopen = () => setState('open')
    source.onmessage = (e) => {
      const { n } = JSON.parse(e.data) as { n: number }
      received++
      setEvents((list) => [...list, { n, at: new Date().toISOString().slice(11, 23) }])
      if (received >= count) {
        source.close()
        setState('done')
      }
    }
    source.onerror = () => {
      source.close()
      setState((s) => (s === 'done' ? s : 'error'))
    }
    return () => source.close()
  }, [count, interval])

  return (
    <div>
      <p>
        Stream:{' '}
        <span className="badge" data-testid="sse-state">
          {state}
        </span>{' '}
        — received <strong data-testid="sse-count">{events.length}</strong> of {count}
      </p>
      <ol className="events" data-testid="sse-events">
        {events.map((e) => (
          <li key={e.n}>
            event n={e.n} at {e.at}
          </li>
        ))}
      </ol>
    </div>
  )
}
