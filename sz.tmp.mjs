import { build } from 'esbuild'
import { gzipSync } from 'node:zlib'
const entry = process.argv[2] || `export { createSession } from './dist/esm/index.js'; export { attachAxios } from './dist/esm/interceptors/axios.js'; export { fib } from './dist/esm/strategies/index.js'`
const r = await build({ stdin: { contents: entry, resolveDir: process.cwd() }, bundle: true, minify: true, format: 'esm', write: false, metafile: true, external: ['axios'] })
const out = r.outputFiles[0].contents
console.log('total min', out.length, 'gzip', gzipSync(out).length)
const inputs = Object.values(r.metafile.outputs)[0].inputs
const rows = Object.entries(inputs).map(([k, v]) => [v.bytesInOutput, k]).sort((a, b) => b[0] - a[0])
for (const [b, k] of rows) console.log(String(b).padStart(6), k)
