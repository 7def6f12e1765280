/**
 * The deadline of a refusal rule that never settles is what keeps the caller's promise from
 * hanging: in a process with nothing else to do it must hold the process until it fires, and a
 * caller's abort must take it away with the request.
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { TRANSPORTS } from '../_helpers/transports.js'

const worker = fileURLToPath(new URL('../_helpers/rule-deadline-worker.ts', import.meta.url))

// Runs the worker; what it printed and how long it lived (killed after `killAfterMs`).
function run(env: object, killAfterMs: number): Promise<{ printed: string; ms: number }> {
  const began = Date.now()
  const child = fork(worker, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, RULE_DEADLINE: JSON.stringify(env) }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  let printed = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    printed += chunk
  })
  const killer = setTimeout(() => child.kill(), killAfterMs)
  return new Promise((resolve) => {
    child.once('exit', () => {
      clearTimeout(killer)
      resolve({ printed, ms: Date.now() - began })
    })
  })
}

describe.each(TRANSPORTS)('%s', (transport) => {
  it('a rule that never settles, nothing else left to do: the call still ends with RuleTimeoutError', async () => {
    const { printed } = await run({ transport, mode: 'hang', refreshTimeoutMs: 300 }, 20_000)
    expect(printed).toBe(JSON.stringify({ error: 'ERR_RULE_TIMEOUT' }))
  })

  it('aborted while its rule judges: the call rejects with the reason and the process ends, not at the deadline', async () => {
    const { printed, ms } = await run({ transport, mode: 'abort', refreshTimeoutMs: 120_000 }, 60_000)
    // fetch rejects with the reason itself; axios and the XHR with their own cancel.
    expect(printed).toBe(JSON.stringify({ error: transport === 'fetch' ? 'Error' : 'abort' }))
    expect(ms).toBeLessThan(60_000)
  })
})
