import type { Exchange } from '../../exchange.js'
import type { AuthFailureRule } from '../../exchange/refusal-rule.js'
import type { OriginPolicy } from '../origin-policy.js'
import type { XhrRequest } from './request.js'

/** What the XHR auth phases need from installXHR: which requests get a session, and the client's rule. */
export interface Setup {
  pick: (request: XhrRequest) => Exchange | undefined
  isAllowed: OriginPolicy
  rule: AuthFailureRule | undefined
}

const setups = new WeakMap<object, Setup>()

/** Keeps the setup of a class installXHR made, out of page code's reach (a static would be anyone's to read or replace). */
export function registerSetup(made: object, setup: Setup): void {
  setups.set(made, setup)
}

/** The setup of `made`, or of the installed class it extends (a page's own subclass). */
export function setupOf(made: object): Setup {
  for (let step: object | null = made; step; step = Object.getPrototypeOf(step)) {
    const setup = setups.get(step)
    if (setup) return setup
  }
  throw new TypeError('This XMLHttpRequest class was not made by installXHR')
}
