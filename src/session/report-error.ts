/**
 * Reports an error no caller can receive (a throwing listener), the way an `EventTarget` does:
 * `reportError` where the platform has it, else rethrown from a fresh task, so it reaches
 * `window.onerror` or Node's `uncaughtException` without changing what the emitter was doing.
 */
export function reportError(error: unknown): void {
  // Read at call time: a page or a test may install its own.
  const report = (globalThis as { reportError?: (error: unknown) => void }).reportError
  if (typeof report === 'function') report(error)
  else
    setTimeout(() => {
      throw error
    }, 0)
}
