import type { AxiosHeaders, AxiosInstance, AxiosRequestTransformer, AxiosResponse, InternalAxiosRequestConfig } from 'axios'
import type { Recovery, Replayed } from '../exchange.js'
import { parseBody } from '../exchange/refusal-rule.js'
import type { AuthFailureInput } from '../strategy.js'
import { Replay } from './axios-replay.js'
import type { AxiosSend } from './axios-send.js'
import { isOneShot } from './one-shot-body.js'
import { discardBody } from '../discard-body.js'
import { type CancelTokenSignal, cancelTokenSignal } from './cancel-token.js'
import { reasonOf } from '../abort.js'
import { hasOwn } from '../has-own.js'
import { responseHeaders } from './response-headers.js'

/** One `attachAxios`: its instance, its guard (its first transform step, and the mark of its replays), whether it was detached. */
export interface AxiosAttachment {
  readonly instance: AxiosInstance
  readonly guard: AxiosRequestTransformer
  detached: boolean
}

// What a replay settles with when its attachment was detached while it waited: the refusal as it came.
const DETACHED: unique symbol = Symbol('detached')

// One response as every refusal rule sees it (`body()`: what axios made of it) and, once it is a
// refusal, as the exchange recovers it: one object per response, no closures, so a request
// waiting on a refresh holds little more than axios's own state.
export class AxiosAnswer implements AuthFailureInput, Recovery<AxiosResponse> {
  // The caller's legacy CancelToken as a signal, while the request waits.
  #cancel: CancelTokenSignal | undefined
  // The refusal as axios gave it, until its replay leaves: only the replay's outcome is returned
  // then, and letting go frees axios's request and response for the replay's round trip. What a
  // rule reads (status, headers, body) stays, but a stream body, released with the refusal.
  #response: AxiosResponse | undefined
  #outcome: unknown
  readonly status: number
  readonly #headers: AxiosResponse['headers']
  #data: unknown
  #read: Promise<unknown> | undefined
  constructor(
    response: AxiosResponse,
    private readonly config: InternalAxiosRequestConfig,
    private readonly send: AxiosSend,
    private readonly attachment: AxiosAttachment,
    outcome: unknown,
  ) {
    this.#response = response
    this.#outcome = outcome
    this.status = response.status
    this.#headers = response.headers
    this.#data = response.data
  }
  get headers(): AuthFailureInput['headers'] {
    const headers = this.#headers as Record<string, unknown> & { get?: unknown }
    // axios makes every response's headers an AxiosHeaders, which finds a name in any case; a plain
    // object an interceptor put there is read by its own lower-case keys.
    return responseHeaders((name) => (typeof headers.get === 'function' ? (headers as AxiosHeaders).get(name) : hasOwn(headers, name) ? headers[name] : undefined))
  }
  body(): Promise<unknown> {
    const data = this.#data
    this.#read ??= Promise.resolve(typeof data === 'string' ? parseBody(data) : data)
    return this.#read
  }
  get signal(): AbortSignal | undefined {
    this.#cancel ??= cancelTokenSignal(this.config)
    return this.#cancel ? this.#cancel.signal : (this.config.signal as AbortSignal | undefined)
  }
  get replay(): Recovery<AxiosResponse>['replay'] {
    return isOneShot(this.config.data) && isOneShot(this.send.data) ? undefined : (authorize) => this.resend(authorize)
  }
  /** A body read as a stream (`responseType: 'stream'`) holds its connection until closed. */
  get onRefused(): (() => void) | undefined {
    const data = this.#data
    return isOneShot(data) ? () => discardBody(data) : undefined
  }
  refused(): AxiosResponse | undefined {
    return this.#response
  }
  /** The outcome as axios gave it: the response, or its rejection (whatever it was rejected with). */
  kept(): AxiosResponse {
    return kept(this.#response, this.#outcome)
  }
  // The refused send's config goes again, as axios's own retries send it: it is axios's copy,
  // never the caller's, and a copy of it would be an object of another shape to all of axios.
  resend(authorize: Replay['authorize']): Promise<AxiosResponse> {
    const { config, send } = this
    const attachment = this.attachment
    // Detached meanwhile: no interceptor of ours would authorize or judge the replay.
    if (authorize && attachment.detached) return Promise.reject(DETACHED)
    // Without what the strategy put on the refused send (axios finds a name whatever its case).
    for (const name of send.sent.authHeaders) config.headers.delete(name)
    const resendable = !isOneShot(config.data)
    // The steps that made the body, for a replay an interceptor gives a body of its own.
    const steps = config.transformRequest
    if (resendable) {
      config.transformRequest = [attachment.guard] // the body as it went, byte for byte: transformed once
    } else {
      config.data = send.data // sending used it up: the caller's body, transformed anew
      if (!send.sizedByCaller) config.headers.delete('Content-Length')
    }
    const replay = new Replay(attachment.guard, authorize, send.sent.authHeaders, resendable ? { data: config.data, steps } : undefined)
    config.tokenflight = replay
    if (authorize) {
      this.#response = this.#outcome = undefined
      if (isOneShot(this.#data)) this.#data = undefined
    }
    return replay.follow(attachment.instance.request(config))
  }
  // `then`, not an async method: a suspended async frame is larger than this request's own state.
  settle(answer: Promise<Replayed<AxiosResponse>>): Promise<AxiosResponse> {
    return answer.then(
      (replayed) => {
        this.#cancel?.release()
        return replayed ? replayed.value : this.kept()
      },
      (failure: unknown) => {
        this.#cancel?.release()
        if (failure === DETACHED) return this.kept()
        // Aborted while waiting or queued: axios builds its usual CanceledError, without a request
        // and without the headers the strategy set on the refused send.
        const { signal } = this
        if (signal?.aborted && failure === reasonOf(signal)) return this.resend(undefined)
        throw failure
      },
    )
  }
}

/** The exchange's recovery of a refused axios response: the response's own {@link AxiosAnswer}. */
export const asRecovery = (answer: AxiosAnswer): AxiosAnswer => answer

/** What axios's interceptor passes on for a response it fulfilled; anything else is what it rejected with. */
export const FULFILLED: unique symbol = Symbol('fulfilled')

/** The outcome as axios gave it: the response, or its rejection (whatever it was rejected with). */
export function kept(response: AxiosResponse | undefined, outcome: unknown): AxiosResponse {
  if (outcome !== FULFILLED) throw outcome
  return response as AxiosResponse
}
