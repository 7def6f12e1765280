import type { InternalAxiosRequestConfig } from 'axios'
import type { HeaderSink } from '../exchange.js'

// The config's headers as the exchange writes on them; a fetch `Headers` or plain object an interceptor
// put there is wrapped, so the exchange lists what the strategy wrote for the replay to take off.
export function sinkOf(config: InternalAxiosRequestConfig): HeaderSink {
  config.headers ??= {} as InternalAxiosRequestConfig['headers']
  const headers = config.headers as unknown as Record<string, string> & Partial<HeaderSink>
  if (typeof headers.set === 'function' && !(typeof Headers === 'function' && headers instanceof Headers)) return headers as HeaderSink
  return { set: headers.set?.bind(headers) ?? ((name, value) => void Reflect.set(headers, name, value)) }
}
