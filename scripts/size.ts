/**
 * `npm run size`: min+gzip bytes of what a user's bundler ships for typical imports, with
 * axios excluded (it is the user's own dependency). Bundles the built ESM output in dist/.
 */
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const cases: Record<string, string> = {
  'tokenflight (createSession)': `export { createSession } from './dist/esm/index.js'`,
  'tokenflight + tokenflight/axios': `export { createSession } from './dist/esm/index.js'; export { attachAxios } from './dist/esm/interceptors/axios.js'`,
  'tokenflight + tokenflight/fetch': `export { createSession } from './dist/esm/index.js'; export { wrapFetch } from './dist/esm/interceptors/fetch.js'`,
  'core + axios + fib strategy': `export { createSession } from './dist/esm/index.js'; export { attachAxios } from './dist/esm/interceptors/axios.js'; export { fib } from './dist/esm/strategies/index.js'`,
}

const rows = []
for (const [name, contents] of Object.entries(cases)) {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    external: ['axios'],
    write: false,
  })
  const code = result.outputFiles[0]?.contents ?? new Uint8Array()
  rows.push({ bundle: name, minified: code.length, 'min+gzip': gzipSync(code, { level: 9 }).length })
}
// The legacy-page script as shipped: everything but Node-only parts, already minified.
const iife = readFileSync('dist/tokenflight.iife.js')
rows.push({ bundle: 'dist/tokenflight.iife.js (<script>)', minified: iife.length, 'min+gzip': gzipSync(iife, { level: 9 }).length })
console.table(rows)
