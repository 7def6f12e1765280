import { invalidArgument } from '../invalid-argument.js'
import { hasOwn } from '../has-own.js'

type Patchable = 'fetch' | 'XMLHttpRequest'

// Marks each replacement, under one symbol for every copy of the package (ESM, CJS, the <script>
// build), with whether it is still installed: installing over a live one is a mistake (two layers,
// two tokens); over one uninstalled since (a wrapper put it back) it is not: it acts as the original.
const REPLACES = Symbol.for('tokenflight.installed')
function isLiveReplacement(value: unknown): boolean {
  if (typeof value !== 'function' || !hasOwn(value, REPLACES)) return false
  const live: unknown = (value as unknown as Record<symbol, unknown>)[REPLACES]
  return typeof live === 'function' ? live() === true : live === true // `true`: an older copy's mark
}
type Scope = { [K in Patchable]?: (typeof globalThis)[K] }

/**
 * Replaces `globalThis[name]` with `make(original, installed)` and returns the uninstall function,
 * which puts the original back unless something else replaced it since. Either way `installed()`
 * is false from then on: a replacement something else kept (a wrapper around ours) must then act
 * as the original. Shared by installFetch and installXHR.
 */
export function patchGlobal<K extends Patchable>(
  name: K,
  installer: string,
  make: (original: (typeof globalThis)[K], installed: () => boolean) => (typeof globalThis)[K],
): () => void {
  const scope = globalThis as Scope
  const original = scope[name] as (typeof globalThis)[K] | undefined
  if (typeof original !== 'function') throw invalidArgument(name, `a global ${name} (${installer} runs in browsers)`, original)
  if (isLiveReplacement(original)) throw new TypeError(`${installer}() is already installed: call the function it returned before installing again`)
  let installed = true
  const replacement = make(original, () => installed)
  Object.defineProperty(replacement, REPLACES, { value: () => installed })
  scope[name] = replacement
  return () => {
    installed = false
    if (scope[name] === replacement) scope[name] = original
  }
}
