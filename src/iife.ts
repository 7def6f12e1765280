// The legacy-page build: everything a page needs on one global, `TokenFlight`, from a single
// <script>. Node-only parts (Redis, the testing emulator) are not in it.
import * as errors from './errors/index.js'

export {
  BodyNotReplayableError,
  createSession,
  InvalidRefreshResponseError,
  isTokenflightError,
  memoryStore,
  RefreshError,
  RefreshTimeoutError,
  RuleTimeoutError,
  SessionExpiredError,
  StoreTimeoutError,
  tabCoordinator,
  TokenflightError,
  webStorageStore,
} from './index.js'
export { attachAxios } from './interceptors/axios.js'
export { installFetch, wrapFetch } from './interceptors/fetch.js'
export { installXHR } from './interceptors/xhr.js'
export { ags, ciam, custom, defineStrategy, fib, oauth2, s360 } from './strategies/index.js'

// Minifying renames classes: the error classes (every export there is a function) get their names
// back, for consoles and `constructor.name`.
for (const [name, value] of Object.entries(errors)) Object.defineProperty(value, 'name', { value: name })
