import { spawnSync } from 'node:child_process'

/**
 * Whether tests needing `command` (redis-server, chromium) should be skipped: only on a
 * developer machine without it. Under CI they always run, and fail loudly if it is missing.
 */
export function missing(command: string): boolean {
  if (process.env.CI) return false
  const found = spawnSync('sh', ['-c', `command -v ${command}`]).status === 0
  if (!found) console.warn(`${command} is not installed: skipping the tests that need it (apt-get install ${command})`)
  return !found
}
