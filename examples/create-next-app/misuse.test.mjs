// Misuses under Turbopack `next dev`, each failing with the package's message that names the fix
// (run by test.sh against the create-next-app app with Cache Components off, since an Edge route
// is not allowed with them): the server entry in a client component, and an Edge route.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { get, launch, newPage, sleep } from '../e2e/helpers.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

test('client component importing the main entry: ERR_CLIENT_BUNDLE naming /client (Turbopack dev)', async () => {
  const { context, page } = await newPage(browser)
  page.setDefaultTimeout(90000) // next dev compiles the page on first request
  await page.goto('/misused')
  await page.getByTestId('misuse').filter({ hasText: 'ERR_' }).waitFor()
  const text = await page.getByTestId('misuse').textContent()
  assert.match(
    text,
    /^ERR_CLIENT_BUNDLE: next-api-layer-native: createApiClient from 'next-api-layer-native'/,
  )
  assert.match(text, /import AuthProvider\/useAuth from 'next-api-layer-native\/client'/)
  await context.close()
})

test("route with runtime = 'edge': ERR_EDGE_RUNTIME naming the fix (Turbopack dev)", async () => {
  const r = await get('/edge')
  assert.equal(r.status, 500)
  let log = ''
  for (let i = 0; i < 50 && !log.includes('ERR_EDGE_RUNTIME'); i++) {
    await sleep(100)
    log = readFileSync(process.env.DEV_LOG, 'utf8')
  }
  assert.match(
    log,
    /createProxyHandler from 'next-api-layer-native' was imported into an Edge runtime bundle/,
  )
  assert.match(log, /remove `export const runtime = 'edge'`/)
})
