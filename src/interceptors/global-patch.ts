import { invalidArgument } from '../invalid-argument.js'
import { isWrapper, markWrapper } from '../wrapped.js'

type Patchable = 'fetch' | 'XMLHttpRequest'
type Scope = { [K in Patchable]?: (typeof globalThis)[K] }

/**
 * Replaces `globalThis[name]` with `make(original)` and returns the uninstall function, which puts
 * the original back unless something else replaced it since. Shared by installFetch and installXHR.
 */
export function patchGlobal<K extends Patchable>(name: K, installer: string, make: (original: (typeof globalThis)[K]) => (typeof globalThis)[K]): () => void {
  const scope = globalThis as Scope
  const original = scope[name] as (typeof globalThis)[K] | undefined
  if (typeof original !== 'function') throw invalidArgument(name, `a global ${name} (${installer} runs in browsers)`, original)
  // Installing over a wrapper of ours (from any copy of the package) is a mistake: two layers, two tokens.
  if (isWrapper(original)) throw new TypeError(`${installer}() is already installed: call the function it returned before installing again`)
  const replacement = markWrapper(make(original), original)
  scope[name] = replacement
  return () => {
    if (scope[name] === replacement) scope[name] = original
  }
}
