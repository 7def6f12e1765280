/**
 * Runs `fn` in a task of its own, soon: a message to itself where `MessageChannel` exists (a
 * hidden tab runs timers at most once a second), else a timer.
 */
export function nextTask(fn: () => void): void {
  if (typeof MessageChannel !== 'function') return void setTimeout(fn)
  const { port1, port2 } = new MessageChannel()
  port1.onmessage = () => {
    port1.close()
    fn()
  }
  port2.postMessage(undefined)
}
