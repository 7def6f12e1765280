// Moved to the exchange, which builds every error a transport rethrows; kept for its other importers.
export { ownError } from '../exchange/own-error.js'
