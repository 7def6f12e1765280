import { defineConfig } from 'vitest/config'

// Multi-process and browser tests measure behaviour under load (refreshes per expiry period,
// failures when a 500 ms token meets CPU contention), so they run after everything else, alone.
const exclusive = ['test/coordination/**/*.test.ts', 'test/browser/**/*.test.ts']

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: exclusive, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'exclusive', include: exclusive, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
})
