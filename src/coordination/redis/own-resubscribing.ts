/**
 * Turns off ioredis's own re-subscription on a subscriber connection. After a reconnection it sends
 * SUBSCRIBE with no rejection handler: one refused (an ACL changed meanwhile) or cut off (the
 * connection dropping again) is an unhandled rejection, which ends a Node process. tokenflight
 * subscribes again itself on each `ready`, and handles the answer. Other clients are left as they are.
 */
export function ownResubscribing<S>(subscriber: S): S {
  const options = (subscriber as { options?: { autoResubscribe?: unknown } } | null | undefined)?.options
  if (typeof options === 'object' && options !== null && options.autoResubscribe === true) options.autoResubscribe = false
  return subscriber
}
