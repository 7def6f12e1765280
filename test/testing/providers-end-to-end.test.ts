import axios from 'axios'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { type Emulator, emulatedProviders, startEmulator } from '../../src/testing/index.js'


const EXPIRIES = 3
const BURST = 500

const emulators: Emulator[] = []
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emulator) => emulator.stop()))
})

type Client = (emulator: Emulator, session: ReturnType<typeof createSession>) => (path: string) => Promise<number>

const clients: Record<string, Client> = {
  axios: (emulator, session) => {
    const api = axios.create({ baseURL: emulator.url })
    attachAxios(api, session)
    return (path) => api.get(path).then((r) => r.status)
  },
  fetch: (emulator, session) => {
    const authedFetch = wrapFetch(fetch, session, { origins: [emulator.url] })
    return (path) => authedFetch(emulator.resourceUrl(path)).then((r) => r.status)
  },
}

describe.each(emulatedProviders)('%s emulator end to end', (provider) => {
  it.each(Object.keys(clients))(`${BURST} concurrent requests × ${EXPIRIES} forced expiries through %s → one refresh per expiry, no failure`, async (client) => {
    const emulator = await startEmulator({ provider, rotateRefreshTokens: true, reuseDetection: true })
    emulators.push(emulator)
    const session = createSession({ strategy: emulator.strategy(), tokens: emulator.signIn() })
    const get = (clients[client] as Client)(emulator, session)
    for (let round = 0; round < EXPIRIES; round++) {
      emulator.expireAccessTokens()
      const results = await Promise.allSettled(Array.from({ length: BURST }, (_, i) => get(`/api/r${round}/${i}`)))
      expect(results.filter((r) => r.status === 'rejected' || r.value !== 200)).toEqual([])
    }
    expect(emulator.stats.refreshCalls).toBe(EXPIRIES)
    expect(emulator.stats.refreshRefused).toBe(0)
    expect(emulator.stats.reuseDetections).toBe(0)
    expect(emulator.stats.resourceUnauthorized).toBe(EXPIRIES * BURST)
  })
})
