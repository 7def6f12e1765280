export { createSession } from './session.js'
export type { Session, SessionListener, SessionState } from './session.js'
export type { SessionOptions } from './session-options.js'
export { createSessionPool } from './session-pool.js'
export type { SessionPool, SessionPoolOptions } from './session-pool.js'
export type { RefreshReason, SessionEvents } from './session-events.js'
export type { AuthFailureInput, RefreshContext, Strategy, Tokens } from './strategy.js'
export type { TokenStore } from './token-store.js'
export type { CoordinatedWork, Coordinator, CoordinatorLink, LockHeld } from './coordinator.js'
export type { RetryOptions } from './backoff.js'
export type { InvalidArgumentError } from './invalid-argument.js'
export { memoryStore } from './stores/memory.js'
export { webStorageStore } from './stores/web-storage.js'
export type { WebStorageLike } from './stores/web-storage.js'
export { tabCoordinator } from './coordination/tabs.js'
export type { TabChannelKind, TabCoordinator, TabCoordinatorOptions, TabLockKind, TabMechanism } from './coordination/tabs.js'
export {
  BodyNotReplayableError,
  InvalidRefreshResponseError,
  isTokenflightError,
  RefreshError,
  RefreshTimeoutError,
  RuleTimeoutError,
  SessionExpiredError,
  StoreTimeoutError,
  TokenflightError,
} from './errors/index.js'
export type { RefreshErrorOptions, TokenflightErrorCode } from './errors/index.js'
