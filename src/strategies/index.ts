export { custom, defineStrategy } from './custom.js'
export type { CustomOptions } from './custom.js'
export { fib } from './fib.js'
export type { FibOptions, FibTokens } from './fib.js'
