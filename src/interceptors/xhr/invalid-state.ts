/**
 * The DOMException a native request throws when a call comes at the wrong time (`what`: "execute
 * 'send'", "set the 'withCredentials' property"; `must`: the states it needs; `on`: "from" for a getter), in Chromium's words.
 */
export const invalidState = (what: string, must = "The object's state must be OPENED", on = 'on'): DOMException =>
  new DOMException(`Failed to ${what} ${on} 'XMLHttpRequest': ${must}.`, 'InvalidStateError')
