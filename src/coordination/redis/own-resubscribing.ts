/**
 * Turns off ioredis's own re-subscription on a subscriber connection. After a reconnection it sends
 * SUBSCRIBE with no rejection handler: one refused (an ACL changed meanwhile) or cut off (the
 * connection dropping again) is an unhandled rejection, which ends a Node process. tokenflight
 * subscribes again itself on each `ready`, and handles the answer. Other clients are left as they are.
 */
export function ownResubscribing<S>(subscriber: S): S {
  try {
    const options = (subscriber as { options?: { autoResubscribe?: unknown } } | null | undefined)?.options
    if (typeof options === 'object' && options !== null && options.autoResubscribe === true) options.autoResubscribe = false
  } catch {} // a client of the user's own whose `options` cannot be read or written: left as it is
  return subscriber
}
