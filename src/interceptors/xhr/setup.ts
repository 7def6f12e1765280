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
