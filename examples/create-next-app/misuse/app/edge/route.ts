// Misuse: the package on the Edge runtime. The Edge bundle gets the stub, whose
// createProxyHandler throws ERR_EDGE_RUNTIME naming the fix.
import { createProxyHandler } from 'next-api-layer-native'

export const runtime = 'edge'
export const { GET } = createProxyHandler({ apiBaseUrl: 'http://127.0.0.1:9' })
