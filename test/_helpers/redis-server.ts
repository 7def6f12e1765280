import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { freePort } from './free-port.js'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Redis, { type RedisOptions } from 'ioredis'
import { afterAll, afterEach, beforeAll } from 'vitest'

/** A real redis-server on 127.0.0.1 and a free port, with append-only persistence so a restart keeps the keys. */
export interface RedisServer {
  port: number
  stop(): Promise<void>
  start(): Promise<void>
  dispose(): Promise<void>
}

/** Starts one; `args` adds server options (`['--rename-command', 'EVAL', '']`). */
export async function startRedisServer(options: { args?: string[] } = {}): Promise<RedisServer> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'tokenflight-redis-'))
  let child: ChildProcess | undefined

  async function start(): Promise<void> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir, ...(options.args ?? [])]
    const spawned = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    child = spawned
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('redis-server did not start within 5 s')), 5_000)
      spawned.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      })
      spawned.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)))
    })
  }

  async function stop(): Promise<void> {
    const running = child
    if (!running || running.exitCode !== null) return
    child = undefined
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve())
      running.kill('SIGKILL')
    })
  }

  await start()
  return {
    port,
    start,
    stop,
    async dispose() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Registers a redis-server for the enclosing `describe` (started once, stopped after) and
 * returns what its tests use: ioredis clients disconnected after each test, and fresh keys.
 * `Client`: another ioredis (a major in the peer range), constructed the same way.
 */
export function useRedisServer(options: { args?: string[]; Client?: new (options: RedisOptions) => Redis } = {}) {
  const Client = options.Client ?? Redis
  const clients: Redis[] = []
  let keyIndex = 0
  const context = {
    server: undefined as unknown as RedisServer,
    /** A connected client (offline queue off, as docs/scaling.md recommends); `ready: false` returns it at once. */
    async connect(extra: RedisOptions & { ready?: boolean } = {}): Promise<Redis> {
      const { ready = true, ...rest } = extra
      const client = new Client({ port: context.server.port, host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 1, ...rest })
      client.on('error', () => {})
      clients.push(client)
      if (ready && client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve))
      return client
    },
    nextKey: () => `tokenflight:test:${process.pid}:${++keyIndex}`,
  }
  beforeAll(async () => {
    context.server = await startRedisServer(options)
  })
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect()
  })
  afterAll(async () => {
    await context.server?.dispose()
  })
  return context
}
