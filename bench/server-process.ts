/**
 * The resource server of the scenarios that measure client CPU or heap, in a process of its own
 * (bench/server.ts): `process.cpuUsage()` and the heap here then count the client alone, not the
 * emulator answering it. One process serves the whole run, hosting one FIB emulator at a time.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { FibTokens } from '../src/strategies/index.js'
import type { EmulatorOptions, EmulatorStats } from '../src/testing/index.js'

/** Options of the emulator the server process starts (always FIB). */
export type ServerOptions = Omit<EmulatorOptions<'fib'>, 'provider'>

/** The emulator's controls the bench may call across the process boundary. */
export const remoteControls = ['signIn', 'expireAccessTokens', 'hangNextRefreshes', 'releaseHungRefreshes', 'holdResourceRequests', 'releaseResourceRequests'] as const
type RemoteControl = (typeof remoteControls)[number]

/** A message to the server process; it answers `{ id, result }` or `{ id, error }`. */
export type ServerCall = { id: number; call: 'start'; args: [ServerOptions] } | { id: number; call: 'stop' | 'stats' | RemoteControl; args: unknown[] }
export type ServerAnswer = { id: number; result?: unknown; error?: string }

/** An emulator in the server process: its URL, and its controls as promises. */
export interface RemoteEmulator {
  readonly url: string
  signIn(): Promise<FibTokens>
  stats(): Promise<EmulatorStats>
  expireAccessTokens(): Promise<void>
  hangNextRefreshes(count: number): Promise<void>
  releaseHungRefreshes(): Promise<void>
  holdResourceRequests(): Promise<void>
  releaseResourceRequests(): Promise<void>
}

export interface ServerProcess {
  /** Runs `run` against a new emulator (the previous one is stopped), then stops it. */
  withEmulator<R>(options: ServerOptions, run: (emulator: RemoteEmulator) => Promise<R>): Promise<R>
  close(): void
}

/** Forks bench/server.ts and resolves once it answers. */
export async function startServerProcess(): Promise<ServerProcess> {
  const script = fileURLToPath(new URL('./server.ts', import.meta.url))
  const child: ChildProcess = fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  let nextId = 0
  child.on('message', (message: ServerAnswer) => {
    const waiter = pending.get(message.id)
    pending.delete(message.id)
    if (message.error === undefined) waiter?.resolve(message.result)
    else waiter?.reject(new Error(`server process: ${message.error}`))
  })
  child.once('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`server process exited (${code})`))
    pending.clear()
  })
  const ask = <T>(call: ServerCall['call'], ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      child.send({ id, call, args } as ServerCall)
    })
  await ask('stats').catch(() => {}) // no emulator yet: the error answer proves the process is up

  const remote = (url: string): RemoteEmulator => ({
    url,
    signIn: () => ask('signIn'),
    stats: () => ask('stats'),
    expireAccessTokens: () => ask('expireAccessTokens'),
    hangNextRefreshes: (count) => ask('hangNextRefreshes', count),
    releaseHungRefreshes: () => ask('releaseHungRefreshes'),
    holdResourceRequests: () => ask('holdResourceRequests'),
    releaseResourceRequests: () => ask('releaseResourceRequests'),
  })
  return {
    async withEmulator(options, run) {
      const emulator = remote(await ask<string>('start', options))
      try {
        return await run(emulator)
      } finally {
        await ask('stop')
      }
    },
    close: () => void child.kill(),
  }
}
