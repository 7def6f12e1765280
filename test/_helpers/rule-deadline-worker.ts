/**
 * A process with one call whose refusal rule never settles, and nothing else to do once the
 * response is in (the API is closed): prints the call's outcome, or nothing if the process ends
 * first. `RULE_DEADLINE`: the transport, `hang` or `abort`, and the refreshTimeoutMs.
 */
import { createSession } from '../../src/index.js'
import { custom } from '../../src/strategies/index.js'
import { startMatrixApi } from './matrix-api.js'
import { clientOf, type Transport } from './transports.js'

const { transport, mode, refreshTimeoutMs } = JSON.parse(process.env.RULE_DEADLINE ?? '{}') as { transport: Transport; mode: 'hang' | 'abort'; refreshTimeoutMs: number }
const api = await startMatrixApi(() => true)
const session = createSession({ strategy: custom(async (tokens) => tokens), tokens: { accessToken: 'token-0' }, refreshTimeoutMs })
const controller = new AbortController()
const judging = () => {
  // The response is in: the API goes, so only what tokenflight keeps can hold the process.
  void api.stop()
  if (mode === 'abort') setTimeout(() => controller.abort(new Error('stopped by the caller')), 10)
  return new Promise<boolean>(() => {})
}
const { call } = clientOf(transport, session, api.url, { authFailure: judging })
const outcome = await call('/judged', { signal: controller.signal })
process.stdout.write(JSON.stringify(outcome))
