import { defineConfig } from 'tsup'

// One entry per subpath. Splitting shares one copy of the session and error classes between
// entries, so `instanceof` holds across `tokenflight` and `tokenflight/axios`.
export const entry = {
  index: 'src/index.ts',
  axios: 'src/interceptors/axios.ts',
  fetch: 'src/interceptors/fetch.ts',
  strategies: 'src/strategies/index.ts',
  testing: 'src/testing/index.ts',
}

export default defineConfig({
  entry,
  format: ['esm', 'cjs'],
  dts: true,
  splitting: true,
  clean: true,
  target: 'es2022',
  external: ['axios'],
})
