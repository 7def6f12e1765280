/**
 * Where an XHR look-alike's request stands, for tokenflight:
 * - `idle`: not sent by us (opened, finished, or passed straight through): events reach the caller;
 * - `waiting`: no native request of the caller's running: tokens, a refresh or a replay slot are awaited;
 * - `live`: our send is running: its events reach the caller;
 * - `held`: the response may be a refusal: its events are kept back until the exchange decides.
 */
export type Phase = 'idle' | 'waiting' | 'live' | 'held'
