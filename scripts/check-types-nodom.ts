/**
 * Part of `npm run check`, after the build: a Node-only project (test/types-nodom: no DOM lib,
 * `types: ["node"]`, `skipLibCheck: false`) imports every subpath from ESM and from CommonJS and
 * must compile against dist/. Failures listed in test/types-nodom/known-failures.ts (other
 * tracks' files) are tolerated while they last; a listed one that passes must be removed.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { knownNoDomFailures } from '../test/types-nodom/known-failures.js'

const { name, exports } = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; exports: Record<string, unknown> }
const specifiers = Object.keys(exports)
  .filter((subpath) => subpath !== './package.json')
  .map((subpath) => (subpath === '.' ? name : `${name}/${subpath.slice(2)}`))
for (const file of ['test/types-nodom/every-subpath.ts', 'test/types-nodom/every-subpath-cjs.cts']) {
  const code = readFileSync(file, 'utf8')
  const missing = specifiers.filter((specifier) => !code.includes(`'${specifier}'`))
  if (missing.length) throw new Error(`${file} does not import ${missing.join(', ')}`)
}

const run = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'test/types-nodom', '--pretty', 'false'], { encoding: 'utf8' })
const errors = run.stdout.split('\n').filter((line) => /error TS\d+/.test(line))
const known = (line: string): boolean => knownNoDomFailures.some((prefix) => line.startsWith(prefix.replace(/:$/, '(')))
const unexpected = errors.filter((line) => !known(line))
const fixed = knownNoDomFailures.filter((prefix) => !errors.some((line) => line.startsWith(prefix.replace(/:$/, '('))))
if (unexpected.length || fixed.length) {
  if (unexpected.length) console.error(`Declarations that need the DOM lib:\n${unexpected.join('\n')}`)
  if (fixed.length) console.error(`Fixed, remove from test/types-nodom/known-failures.ts: ${fixed.join(', ')}`)
  process.exit(1)
}
console.log(`types-nodom: every subpath compiles without the DOM lib from ESM and CJS (${errors.length} known failures in other tracks' files)`)
