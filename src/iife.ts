// The legacy-page build: everything a page needs on one global, `TokenFlight`, from a single
// <script>. Node-only parts (Redis, the testing emulator) are not in it.
export {
  BodyNotReplayableError,
  createSession,
  InvalidRefreshResponseError,
  isTokenflightError,
  memoryStore,
  RefreshError,
  RefreshTimeoutError,
  SessionExpiredError,
  tabCoordinator,
  TokenflightError,
  webStorageStore,
} from './index.js'
export { attachAxios } from './interceptors/axios.js'
export { installFetch, wrapFetch } from './interceptors/fetch.js'
export { installXHR } from './interceptors/xhr.js'
export { ags, ciam, custom, defineStrategy, fib, oauth2, s360 } from './strategies/index.js'
