/**
 * A CommonJS module whose `require()` returns its default export itself, with every named export
 * (and `default`) on it, as axios-auth-refresh's CJS entry does: `require('…')(api, logic)` works,
 * and so do `require('…').default` and `require('…').createAuthRefresh`.
 */
import { appendFileSync, readFileSync } from 'node:fs'

/** The CJS modules `require()` must return as a callable: the drop-ins of callable packages. */
export const callableCjsModules = ['compat/axios-auth-refresh.js']

/** The line appended to a tsc-emitted CJS module (tsc sets `exports.default` and the names before it). */
export const callableExportLine = 'module.exports = Object.assign(exports.default, exports);\n'

/** Appends {@link callableExportLine} to `file`, a tsc-emitted CommonJS module with a function default export. */
export function makeCallableCjs(file: string): void {
  const code = readFileSync(file, 'utf8')
  if (!/^exports\.default = /m.test(code)) throw new Error(`${file}: no \`exports.default = …\` to make callable`)
  if (!code.includes(callableExportLine)) appendFileSync(file, callableExportLine)
}
