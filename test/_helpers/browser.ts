import { build } from 'esbuild'
import { type Browser, chromium } from 'playwright-core'

/** Debian's Chromium, headless, with the flags this machine needs (no background network). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  })
}

/** The single-script build (global `TokenFlight`), bundled from the sources. */
export async function iifeBundle(): Promise<string> {
  const result = await build({ entryPoints: ['src/iife.ts'], bundle: true, format: 'iife', globalName: 'TokenFlight', target: 'es2020', write: false, minify: true })
  return result.outputFiles[0]?.text ?? ''
}
