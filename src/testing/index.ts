export { startEmulator } from './emulator.js'
export type { EmulatedProvider, Emulator, EmulatorOptions, EmulatorStats, RefreshFault } from './emulator.js'
