// Shared helpers for the example app's e2e tests (run by examples/test.sh, which exports
// APP_URL, BACKEND_URL and APP_DIR).
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { controls } from '../backend/spawn.js'

const here = path.dirname(fileURLToPath(import.meta.url))
export const ROOT = path.resolve(here, '../..')
export const ARTIFACTS = path.join(ROOT, 'test-artifacts')

function required(name) {
  const v = process.env[name]
  if (!v) {
    throw new Error(`${name} is not set: run the e2e tests through examples/test.sh`)
  }
  return v.replace(/\/$/, '')
}
export const APP_URL = required('APP_URL')
export const BACKEND_URL = required('BACKEND_URL')
export const APP_DIR = process.env.APP_DIR || path.join(ROOT, 'examples/nextjs-app')

export const USER_COOKIE = 'userToken'
export const GUEST_COOKIE = 'guestToken'
export const DEMO = { email: 'demo@example.com', password: 'password', name: 'Demo User' }

// ---------------------------------------------------------------- backend control

async function backendCall(method, p, body) {
  const res = await fetch(BACKEND_URL + p, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const json = await res.json()
  if (!res.ok) throw new Error(`${method} ${p} -> ${res.status} ${JSON.stringify(json)}`)
  return json
}
export const backend = {
  url: BACKEND_URL,
  ...controls(BACKEND_URL),
  async login(email = DEMO.email, password = DEMO.password) {
    return (await backendCall('POST', '/auth/login', { email, password })).data
  },
  async me(token) {
    const res = await fetch(`${BACKEND_URL}/auth/me`, {
      headers: { authorization: `Bearer ${token}` },
    })
    return { status: res.status, json: await res.json() }
  },
}

// ---------------------------------------------------------------- HTTP (no browser)

/** Fetches a page of the app without following redirects. */
export async function get(p, { cookies = {}, headers = {}, method = 'GET', body } = {}) {
  const h = { ...headers }
  const cookie = Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ')
  if (cookie) h.cookie = cookie
  const res = await fetch(APP_URL + p, { method, headers: h, body, redirect: 'manual' })
  const text = await res.text()
  return { status: res.status, headers: res.headers, text, setCookies: parseSetCookies(res) }
}

/** { name: { value, attrs: { httponly: true, samesite: 'lax', path: '/', ... }, raw } } */
export function parseSetCookies(res) {
  const out = {}
  for (const raw of res.headers.getSetCookie()) {
    const [pair, ...attrs] = raw.split(';').map((s) => s.trim())
    const i = pair.indexOf('=')
    const name = pair.slice(0, i)
    const a = {}
    for (const attr of attrs) {
      const j = attr.indexOf('=')
      if (j < 0) a[attr.toLowerCase()] = true
      else a[attr.slice(0, j).toLowerCase()] = attr.slice(j + 1)
    }
    out[name] = { value: pair.slice(i + 1), attrs: a, raw }
  }
  return out
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Seconds until the JWT's exp (negative when expired). */
export function jwtClaims(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'))
}

/** Waits (polling, bounded) until the token's exp has passed. */
export async function waitUntilExpired(token, extraMs = 1200) {
  const { exp } = jwtClaims(token)
  const ms = exp * 1000 - Date.now() + extraMs
  if (ms > 60000) throw new Error(`token expires in ${ms} ms: set a short ACCESS_TTL`)
  if (ms > 0) await sleep(ms)
}

// ---------------------------------------------------------------- browser

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

/**
 * Launches Debian's chromium headless. Playwright gives every launch a fresh temporary
 * --user-data-dir of its own (and refuses one in args), so no profile leaks between tests.
 */
export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  })
}

/**
 * A fresh context + page that records dialogs (and dismisses them), page errors and console
 * errors, so a test can assert that no script payload ever ran.
 */
export async function newPage(browser, opts = {}) {
  const context = await browser.newContext({ baseURL: APP_URL, ...opts })
  const page = await context.newPage()
  const dialogs = []
  const pageErrors = []
  const consoleErrors = []
  page.on('console', (m) => {
    if (m.type() !== 'error') return
    // A failed resource load names its URL; the app has no favicon, and that is no error of ours.
    const url = m.location()?.url || ''
    if (/\/favicon\.ico$/.test(url)) return
    consoleErrors.push(url ? `${m.text()} (${url})` : m.text())
  })
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`)
    d.dismiss().catch(() => {})
  })
  page.on('pageerror', (e) => pageErrors.push(String(e)))
  page.setDefaultTimeout(15000)
  return { context, page, dialogs, pageErrors, consoleErrors }
}

export async function cookieMap(context) {
  const out = {}
  for (const c of await context.cookies(APP_URL)) out[c.name] = c
  return out
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true })
  const file = path.join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}

/** Logs in through the app's login page as a person would. */
export async function loginThroughForm(page, email = DEMO.email, password = DEMO.password) {
  await page.fill('input[name=email]', email)
  await page.fill('input[name=password]', password)
  await page.click('button[type=submit]')
}
