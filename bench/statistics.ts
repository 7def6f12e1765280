/** The few statistics the bench reports: quantiles of a sample, and rounding for tables. */
export const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
export const median = (values: number[]): number => quantile([...values].sort((a, b) => a - b), 0.5)
export const round = (n: number, digits = 1): number => Number(n.toFixed(digits))

/** Client CPU (user + system, this process and its threads) spent since `since`, in µs. */
export const cpuSince = (since: NodeJS.CpuUsage): number => {
  const { user, system } = process.cpuUsage(since)
  return user + system
}
