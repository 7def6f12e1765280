/**
 * `promise.finally(run)` without `Promise.prototype.finally`, which an old Promise polyfill that
 * replaced a page's global `Promise` may lack: `run` once `promise` settles, its outcome kept.
 */
export function whenSettled<T>(promise: Promise<T>, run: () => void): Promise<T> {
  return promise.then(
    (value) => {
      run()
      return value
    },
    (error: unknown) => {
      run()
      throw error
    },
  )
}
