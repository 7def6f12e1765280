import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'
import { redisCli, startRedisProcess, stopRedisProcess } from './redis-cluster.js'

/** 1 master, 1 replica and 3 sentinels (quorum 2), real processes on 127.0.0.1. */
export interface RedisSentinelSet {
  /** The name the sentinels monitor the master under. */
  name: string
  sentinelPorts: number[]
  masterPort: number
  replicaPort: number
  /** The master's address as the sentinels report it now. */
  currentMasterPort(): Promise<number>
  /** SIGKILLs the master process (no shutdown, no last replication). */
  killMaster(): Promise<void>
  dispose(): Promise<void>
}

const NAME = 'tokenflight'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`)
    await sleep(100)
  }
}

/**
 * Starts the set and resolves once the sentinels know the replica and each other, so a failover
 * can be authorised. `downAfterMs`: how long the master must be unreachable to be judged down.
 */
export async function startRedisSentinel(options: { downAfterMs?: number } = {}): Promise<RedisSentinelSet> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenflight-sentinel-'))
  const processes: ChildProcess[] = []
  const dispose = async () => {
    await Promise.all(processes.map(stopRedisProcess))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const [masterPort, replicaPort] = [await freePort(), await freePort()]
    const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]
    const master = await startRedisProcess('redis-server', ['--port', String(masterPort), ...common])
    processes.push(master)
    processes.push(await startRedisProcess('redis-server', ['--port', String(replicaPort), ...common, '--replicaof', '127.0.0.1', String(masterPort)]))
    await until('replication', async () => (await redisCli(replicaPort, 'INFO', 'replication')).includes('master_link_status:up'))
    const sentinelPorts: number[] = []
    for (let i = 0; i < 3; i++) {
      const port = await freePort()
      const config = join(dir, `sentinel-${port}.conf`)
      const lines = [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${NAME} 127.0.0.1 ${masterPort} 2`]
      lines.push(`sentinel down-after-milliseconds ${NAME} ${options.downAfterMs ?? 1_000}`, `sentinel failover-timeout ${NAME} 10000`, `sentinel parallel-syncs ${NAME} 1`)
      writeFileSync(config, `${lines.join('\n')}\n`)
      processes.push(await startRedisProcess('redis-server', [config, '--sentinel'], 'Sentinel ID is'))
      sentinelPorts.push(port)
    }
    // A failover needs the quorum to know each other and the replica to promote (hello every 2 s).
    for (const port of sentinelPorts) {
      await until('sentinel discovery', async () => {
        const peers = await redisCli(port, 'SENTINEL', 'SENTINELS', NAME)
        const replicas = await redisCli(port, 'SENTINEL', 'REPLICAS', NAME)
        return (peers.match(/^name$/gm)?.length ?? 0) >= 2 && replicas.includes(String(replicaPort))
      })
    }
    const currentMasterPort = async () => Number((await redisCli(sentinelPorts[0] as number, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)).split('\n')[1])
    return { name: NAME, sentinelPorts, masterPort, replicaPort, currentMasterPort, killMaster: () => stopRedisProcess(master), dispose }
  } catch (error) {
    await dispose()
    throw error
  }
}
