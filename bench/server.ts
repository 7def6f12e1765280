/**
 * The bench's resource server process (forked by bench/server-process.ts): hosts one FIB emulator
 * at a time and answers the bench's calls over IPC. Run alone (`npx tsx bench/server.ts`), it
 * starts one emulator with hour-long tokens and prints its URL and a signed-in user's tokens, for
 * profiling a client against a server that is not in the client's process (`node --cpu-prof`).
 */
import { type Emulator, startEmulator } from '../src/testing/index.js'
import { remoteControls, type ServerAnswer, type ServerCall } from './server-process.js'

let emulator: Emulator<'fib'> | undefined

async function answer({ call, args }: ServerCall): Promise<unknown> {
  if (call === 'start') {
    await emulator?.stop()
    emulator = await startEmulator({ provider: 'fib', rotateRefreshTokens: true, reuseDetection: true, ...args[0] })
    return emulator.url
  }
  if (!emulator) throw new Error('no emulator running')
  if (call === 'stop') {
    const stopping = emulator
    emulator = undefined
    return stopping.stop()
  }
  if (call === 'stats') return { ...emulator.stats }
  if (!remoteControls.includes(call)) throw new Error(`unknown call ${String(call)}`)
  return (emulator[call] as (...values: unknown[]) => unknown)(...args)
}

if (process.send) {
  process.on('message', (message: ServerCall) => {
    answer(message).then(
      (result) => process.send?.({ id: message.id, result } satisfies ServerAnswer),
      (error: unknown) => process.send?.({ id: message.id, error: String(error) } satisfies ServerAnswer),
    )
  })
  process.once('disconnect', () => process.exit(0)) // the bench ended (or died): nothing to serve
} else {
  emulator = await startEmulator({ provider: 'fib', accessTtlMs: 3_600_000 })
  console.log(emulator.url)
  console.log(JSON.stringify(emulator.signIn()))
}
