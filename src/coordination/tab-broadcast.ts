/* A BroadcastChannel between tabs, confirmed by use: a probe it posts must reach a second channel of its name. */

/** How long a BroadcastChannel has to deliver its probe before the storage event takes over (ms). */
export const PROBE_MS = 1_000

type BroadcastConstructor = new (name: string) => BroadcastLike

interface BroadcastLike {
  onmessage: ((event: { data: unknown }) => void) | null
  postMessage(message: unknown): void
  close(): void
}

/** The BroadcastChannel constructor, unless missing or read through a getter that page code made throw. */
export function broadcastChannel(): BroadcastConstructor | undefined {
  try {
    const Channel = (globalThis as { BroadcastChannel?: unknown }).BroadcastChannel
    return typeof Channel === 'function' ? (Channel as BroadcastConstructor) : undefined
  } catch {
    return undefined
  }
}

/** A BroadcastChannel to post on, and whether it is known to deliver. */
export interface BroadcastPoster {
  readonly kind: 'broadcast-channel'
  /** A probe it posted reached a second channel of the name: it delivers. */
  readonly confirmed: boolean
  tryPost(message: unknown): boolean
  close(): void
}

/**
 * A BroadcastChannel, or `undefined` where constructing one throws (blocked by a page's policy,
 * replaced by page code): the storage event serves instead. `silent()` is called when its probe
 * has not arrived within PROBE_MS (a stand-in whose `postMessage` does nothing).
 */
export function openBroadcast(name: string, deliver: (data: unknown) => void, silent: () => void): BroadcastPoster | undefined {
  const Channel = broadcastChannel()
  let channel: BroadcastLike
  try {
    if (!Channel) return undefined
    channel = new Channel(name)
    channel.onmessage = (event) => deliver(event.data)
  } catch {
    return undefined
  }
  const probe = confirmByUse(Channel, name, (message) => channel.postMessage(message), silent)
  const tryPost = (message: unknown): boolean => {
    try {
      channel.postMessage(message)
      return true
    } catch {
      return false // closed, replaced by page code, or a message it cannot clone
    }
  }
  return {
    kind: 'broadcast-channel',
    get confirmed() {
      return probe.confirmed
    },
    tryPost,
    close() {
      probe.stop()
      channel.close()
    },
  }
}

// Posts a probe through `post` and listens for it on a second channel of `name`, which hears what
// the first posts as another tab would. Not heard within PROBE_MS (or no second channel): `silent()`.
function confirmByUse(Channel: BroadcastConstructor, name: string, post: (message: unknown) => void, silent: () => void) {
  const state = { confirmed: false, stop: () => {} }
  const probe = { type: 'probe', id: Math.random() }
  let listener: BroadcastLike | undefined
  const timer = setTimeout(() => {
    state.stop()
    silent()
  }, PROBE_MS)
  state.stop = () => {
    clearTimeout(timer)
    try {
      listener?.close()
    } catch {}
  }
  try {
    listener = new Channel(name)
    listener.onmessage = (event) => {
      if ((event.data as { id?: unknown } | null)?.id !== probe.id) return
      state.confirmed = true
      state.stop()
    }
    post(probe)
  } catch {
    // No second channel, or the probe refused: left to the timer.
  }
  return state
}
