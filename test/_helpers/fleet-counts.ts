/** What a fleet worker process reports when its load ends (fleet-worker.ts, sentinel-worker.ts). */
export interface FleetCounts {
  sent: number
  ok: number
  failed: number
  degraded: number
  restored: number
  slowest: number
  /** When the slowest request started, ms into the run (the Sentinel worker reports it). */
  slowestAt?: number
  errors: string[]
  /** `storeFailed` events heard (fleet-worker.ts). */
  storeFailed?: number
  /** `refreshing` events not followed by `refreshed` or `refreshFailed` (fleet-worker.ts). */
  unendedRefreshes?: number
}
