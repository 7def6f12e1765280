/**
 * tokenflight as users run it: the built JavaScript in dist/ (`npm run bench` builds first), not
 * the TypeScript sources through tsx, whose transform adds a helper call to every function it
 * names (closures made per request included). The types come from the sources.
 */
import type * as Compat from '../src/compat/axios-auth-refresh.js'
import type * as Core from '../src/index.js'
import type * as Axios from '../src/interceptors/axios.js'
import type * as Fetch from '../src/interceptors/fetch.js'
import type * as Strategies from '../src/strategies/index.js'

// A specifier typed as a plain string: `tsc` does not need dist/ to exist.
const load = <M>(path: string): Promise<M> => import(path) as Promise<M>

export const { createSession, createSessionPool } = await load<typeof Core>('../dist/esm/index.js')
export const { attachAxios } = await load<typeof Axios>('../dist/esm/interceptors/axios.js')
export const { wrapFetch } = await load<typeof Fetch>('../dist/esm/interceptors/fetch.js')
export const { fib, custom } = await load<typeof Strategies>('../dist/esm/strategies/index.js')
export const compatCreateAuthRefresh = (await load<typeof Compat>('../dist/esm/compat/axios-auth-refresh.js')).default
