/**
 * The single-script build for legacy pages: src/iife.ts bundled into one minified file that
 * sets the global `TokenFlight` itself. Used by `npm run build` (dist/tokenflight.iife.js) and by the
 * browser tests, so the tests load the very bytes the build ships.
 */
import { build } from 'esbuild'

/** The minified script and its source map (the script ends with its sourceMappingURL comment). */
export async function bundleIife(): Promise<{ code: string; map: string }> {
  const result = await build({
    entryPoints: ['src/iife.ts'],
    outfile: 'dist/tokenflight.iife.js',
    bundle: true,
    format: 'iife',
    platform: 'browser',
    // Browsers of the last few years; legacy pages are old code, not old browsers.
    target: ['es2020', 'chrome80', 'firefox78', 'safari14'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    write: false,
  })
  const code = result.outputFiles.find((file) => file.path.endsWith('.js'))?.text
  const map = result.outputFiles.find((file) => file.path.endsWith('.map'))?.text
  if (code === undefined || map === undefined) throw new Error('esbuild produced no IIFE output')
  return { code, map }
}
