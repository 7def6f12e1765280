import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { freePort } from './free-port.js'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A Redis Cluster of real redis-server processes on 127.0.0.1, every slot assigned. */
export interface RedisCluster {
  /** The client ports of the masters. */
  ports: number[]
  /** `redis-cli -p port …` on one node, its answer as text. */
  cli(port: number, ...args: string[]): Promise<string>
  dispose(): Promise<void>
}

/** Starts `redis-server args…` and resolves once its log says `ready` (a sentinel logs no "Ready to accept"). */
export function startRedisProcess(command: string, args: string[], ready = 'Ready to accept connections'): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL') // not left running behind a failed start
      reject(new Error(`${command} ${args.join(' ')} did not start within 5 s`))
    }, 5_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes(ready)) {
        clearTimeout(timer)
        resolve(child)
      }
    })
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}`)))
  })
}

export async function stopRedisProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

export const redisCli = async (port: number, ...args: string[]): Promise<string> =>
  (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout.trim()

/** `masters` redis-server processes in cluster mode (own bus ports), joined by `redis-cli --cluster create`. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenflight-cluster-'))
  const children: ChildProcess[] = []
  const ports: number[] = []
  const dispose = async () => {
    await Promise.all(children.map(stopRedisProcess))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (let i = 0; i < masters; i++) {
      const [port, bus] = [await freePort(), await freePort()]
      const args = ['--port', String(port), '--cluster-port', String(bus), '--bind', '127.0.0.1', '--cluster-enabled', 'yes']
      args.push('--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir, '--save', '', '--appendonly', 'no', '--cluster-node-timeout', '2000')
      children.push(await startRedisProcess('redis-server', args))
      ports.push(port)
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'])
    for (let i = 0; i < 200; i++) {
      const states = await Promise.all(ports.map((p) => redisCli(p, 'CLUSTER', 'INFO')))
      if (states.every((info) => info.includes('cluster_state:ok'))) return { ports, cli: redisCli, dispose }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error('the cluster did not reach cluster_state:ok within 10 s')
  } catch (error) {
    await dispose()
    throw error
  }
}
