import { invalidArgument } from '../invalid-argument.js'

type Patchable = 'fetch' | 'XMLHttpRequest'
type Scope = { [K in Patchable]?: (typeof globalThis)[K] }

// Every replacement made here: installing over one of them is a mistake (two layers, two tokens).
const patches = /* @__PURE__ */ new WeakSet<object>()

/**
 * Replaces `globalThis[name]` with `make(original)` and returns the uninstall function, which puts
 * the original back unless something else replaced it since. Shared by installFetch and installXHR.
 */
export function patchGlobal<K extends Patchable>(name: K, installer: string, make: (original: (typeof globalThis)[K]) => (typeof globalThis)[K]): () => void {
  const scope = globalThis as Scope
  const original = scope[name] as (typeof globalThis)[K] | undefined
  if (typeof original !== 'function') throw invalidArgument(name, `a global ${name} (${installer} runs in browsers)`, original)
  if (patches.has(original)) throw new TypeError(`${installer}() is already installed: call the function it returned before installing again`)
  const replacement = make(original)
  patches.add(replacement)
  scope[name] = replacement
  return () => {
    if (scope[name] === replacement) scope[name] = original
  }
}
