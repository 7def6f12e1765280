/**
 * A backend acting for many users keeps one session per user; the interceptors pick the session
 * of each request, so one user's refresh never pauses another user's requests.
 */
import axios from 'axios'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, type Session } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { deferred } from '../_helpers/deferred.js'
import { type ResourceServer, startResourceServer } from '../_helpers/resource-server.js'

let api: ResourceServer | undefined
afterEach(() => api?.stop())

async function twoUsers() {
  const hang = deferred<never>()
  api = await startResourceServer((token) => token === 'b-token' || token === 'a-fresh')
  const sessions: Record<string, Session> = {
    alice: createSession({ strategy: countingStrategy(() => hang.promise), tokens: { accessToken: 'a-expired' } }),
    bob: createSession({ strategy: countingStrategy(), tokens: { accessToken: 'b-token' } }),
  }
  return { url: api.url, sessions }
}

describe('one session per user', () => {
  it('axios: while alice’s refresh hangs, bob’s requests go through at once', async () => {
    const { url, sessions } = await twoUsers()
    const client = axios.create({ baseURL: url })
    attachAxios(client, (config) => sessions[String(config.headers.get('x-user'))])
    const alice = client.get('/a', { headers: { 'x-user': 'alice' } })
    alice.catch(() => {})
    while (api?.unauthorized === 0) await new Promise((r) => setTimeout(r, 2))
    const bob = await Promise.all(Array.from({ length: 20 }, () => client.get('/b', { headers: { 'x-user': 'bob' } }).then((r) => r.status)))
    expect(bob).toEqual(Array(20).fill(200))
    sessions.alice?.destroy()
    await expect(alice).rejects.toThrow()
  })

  it('fetch: same, with a resolver on the Request', async () => {
    const { url, sessions } = await twoUsers()
    const authedFetch = wrapFetch(fetch, (request) => sessions[request.headers.get('x-user') ?? ''], { origins: [url] })
    const alice = authedFetch(`${url}/a`, { headers: { 'x-user': 'alice' } })
    alice.catch(() => {})
    while (api?.unauthorized === 0) await new Promise((r) => setTimeout(r, 2))
    const bob = await Promise.all(Array.from({ length: 20 }, () => authedFetch(`${url}/b`, { headers: { 'x-user': 'bob' } }).then((r) => r.status)))
    expect(bob).toEqual(Array(20).fill(200))
    sessions.alice?.destroy()
    await expect(alice).rejects.toThrow()
  })
})
