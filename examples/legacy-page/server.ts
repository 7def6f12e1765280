/**
 * Serves examples/legacy-page on 127.0.0.1 with an emulated FIB provider behind it:
 * the page, jQuery from node_modules and the tokenflight script.
 *
 *   npm run example:legacy-page      then open the printed URL
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { bundleIife } from '../../scripts/iife.js'
// In your project: import { startEmulator } from 'tokenflight/testing'
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/testing/index.js'

/** The running page: open `url`. */
export interface LegacyPage {
  readonly url: string
  readonly emulator: Emulator<'fib'>
  stop(): Promise<void>
}

export async function startLegacyPage(options: Omit<EmulatorOptions<'fib'>, 'provider'> = {}): Promise<LegacyPage> {
  const emulator = await startEmulator({ provider: 'fib', ...options })
  const page = readFileSync(fileURLToPath(new URL('index.html', import.meta.url)), 'utf8')
  // Each load signs a user in, as a server-side app renders the signed-in user's page.
  // `<` is escaped so the JSON cannot close the <script> element it sits in.
  const render = (): string => page.replace('{{TOKENS}}', JSON.stringify(emulator.signIn()).replace(/</g, '\\u003c'))
  emulator.serveFile('/', 'text/html; charset=utf-8', render)
  const jquery = createRequire(import.meta.url).resolve('jquery/dist/jquery.min.js')
  emulator.serveFile('/vendor/jquery.min.js', 'text/javascript', readFileSync(jquery))
  const script = await bundleIife()
  emulator.serveFile('/tokenflight.iife.js', 'text/javascript', script.code)
  emulator.serveFile('/tokenflight.iife.js.map', 'application/json', script.map)
  return { url: `${emulator.url}/`, emulator, stop: () => emulator.stop() }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await startLegacyPage({ accessTtlMs: 15_000 })
  console.log(`Legacy page: ${url}  (access tokens live 15 s; Ctrl-C to stop)`)
}
