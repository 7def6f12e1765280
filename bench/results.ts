/** What one run of `npm run bench` measured: one list of table rows per scenario. */
export type Row = Record<string, unknown>

export interface Results {
  burst1k: Row[]
  burst10k: Row[]
  revoked1k: Row[]
  revoked10k: Row[]
  steadySequential: Row[]
  steadyConcurrent: Row[]
  machinery: Row[]
  refusalMachinery: Row[]
  rolling: Row[]
  failure: Row[]
  bareMemory: Row[]
  memory: Row[]
  pool: Row[]
}

export const emptyResults = (): Results => ({
  burst1k: [],
  burst10k: [],
  revoked1k: [],
  revoked10k: [],
  steadySequential: [],
  steadyConcurrent: [],
  machinery: [],
  refusalMachinery: [],
  rolling: [],
  failure: [],
  bareMemory: [],
  memory: [],
  pool: [],
})
