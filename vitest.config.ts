import { defineConfig } from 'vitest/config'

// Multi-process and browser tests measure behaviour under load (refreshes per expiry period,
// failures when a 500 ms token meets CPU contention), so they run after everything else, alone.
const exclusive = ['test/coordination/**/*.test.ts', 'test/browser/**/*.test.ts']

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: exclusive,
          sequence: { groupOrder: 0 },
          // Most unit tests wait on timers and sockets, not the CPU: two workers on two cores halve the wait.
          maxWorkers: 2,
          // The public types: test/*.test-d.ts compiled on their own (fast), @ts-expect-error lines
          // enforced. Errors elsewhere in src/ are `tsc`'s to report (npm run check), not this check's.
          typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: 'tsconfig.typecheck.json', ignoreSourceErrors: true },
        },
      },
      { extends: true, test: { name: 'exclusive', include: exclusive, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
})
