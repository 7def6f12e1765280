// The legacy-page build: everything a page needs on one global, `TokenFlight`, from a single
// <script>. Node-only parts (Redis, the testing emulator) are not in it.
import {
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
import { attachAxios } from './interceptors/axios.js'
import { installFetch, wrapFetch } from './interceptors/fetch.js'
import { installXHR } from './interceptors/xhr.js'
import { ags, ciam, custom, defineStrategy, fib, oauth2, s360 } from './strategies/index.js'

// Built by hand, not from ES exports: the bundler's export helper walks them with `for…in`, which
// a page's enumerable `Object.prototype` key (old library code) turned into a load-time TypeError.
const TokenFlight = {
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
  attachAxios,
  installFetch,
  wrapFetch,
  installXHR,
  ags,
  ciam,
  custom,
  defineStrategy,
  fib,
  oauth2,
  s360,
}

// Minifying renames functions and classes: each export gets its name back, for consoles and `constructor.name`.
// Each stays as it was built (read-only, as an ES export); the object itself takes a page's own additions.
for (const [name, value] of Object.entries(TokenFlight)) {
  Object.defineProperty(value, 'name', { value: name })
  Object.defineProperty(TokenFlight, name, { writable: false, configurable: false })
}

;(globalThis as { TokenFlight?: Readonly<typeof TokenFlight> }).TokenFlight = TokenFlight
