// The legacy-page build: everything on one global, `TokenFlight`, from a single <script>.
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
export { wrapFetch } from './interceptors/fetch.js'
export { ags, ciam, custom, defineStrategy, fib, oauth2, s360 } from './strategies/index.js'
