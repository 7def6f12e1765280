// The process's warning channel where there is one (Node, Deno, Bun); a page has none, and
// the library writes no console output of its own.
interface WarningProcess {
  emitWarning?: (message: string, options: { type: string; code: string }) => void
}

const warned = new Set<string>()

/**
 * Emits a `DeprecationWarning` through `process.emitWarning` once per `code` and process, where
 * `process.emitWarning` exists; elsewhere it does nothing.
 *
 * @example
 * warnDeprecatedOnce('TOKENFLIGHT_OLD_OPTION', '`oldOption` has no effect: remove it.')
 */
export function warnDeprecatedOnce(code: string, message: string): void {
  if (warned.has(code)) return
  warned.add(code)
  const host = (globalThis as { process?: WarningProcess }).process
  if (typeof host?.emitWarning === 'function') host.emitWarning(message, { type: 'DeprecationWarning', code })
}
