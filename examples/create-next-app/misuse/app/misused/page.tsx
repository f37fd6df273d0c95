'use client'
// Misuse: the server entry in a client component. The browser bundle gets the stub, whose
// createApiClient throws ERR_CLIENT_BUNDLE naming the fix.
import { createApiClient } from 'next-api-layer-native'
import { useEffect, useState } from 'react'

export default function Misused() {
  const [message, setMessage] = useState('')
  useEffect(() => {
    try {
      createApiClient({ apiBaseUrl: 'http://127.0.0.1:9' })
    } catch (e) {
      setMessage(`${(e as { code?: string }).code}: ${(e as Error).message}`)
    }
  }, [])
  return <p data-testid="misuse">{message}</p>
}
