import { type Browser, chromium } from 'playwright-core'
import { bundleIife } from '../../scripts/iife.js'

/** Debian's Chromium, headless, with the flags this machine needs (no background network). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  })
}

/** dist/tokenflight.iife.js (global `TokenFlight`), built exactly as `npm run build` builds it. */
export async function iifeBundle(): Promise<string> {
  return (await bundleIife()).code
}
