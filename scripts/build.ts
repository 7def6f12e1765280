/**
 * `npm run build`: unbundled ESM (dist/esm) and CommonJS (dist/cjs) with declarations, both by tsc,
 * plus dist/tokenflight.iife.js for a <script> tag.
 * Unbundled output keeps one module graph, so every subpath shares the same session and error
 * classes; users' bundlers tree-shake it. No rollup: the registry here lacks its platform binaries.
 */
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { callableCjsModules, makeCallableCjs } from './cjs-callable.js'
import { bundleIife } from './iife.js'

rmSync('dist', { recursive: true, force: true })
for (const project of ['tsconfig.build.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { stdio: 'inherit' })
}
// Marks dist/cjs as CommonJS for Node and TypeScript alike (the package itself is "type": "module").
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n')
// `require('tokenflight/compat/axios-auth-refresh')` is the function, as the peer's CJS entry is.
for (const module of callableCjsModules) makeCallableCjs(`dist/cjs/${module}`)
// The one-<script> build for legacy pages, with its source map.
const iife = await bundleIife()
writeFileSync('dist/tokenflight.iife.js', iife.code)
writeFileSync('dist/tokenflight.iife.js.map', iife.map)
