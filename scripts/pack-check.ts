/**
 * Part of `npm run check`: packs the package (`npm pack`), installs the tarball into a temporary
 * project, and loads every subpath from ESM (import) and from CommonJS (require), checking a
 * named export of each; then runs dist/tokenflight.iife.js in a bare VM context. Catches what
 * publint and attw cannot: a file missing from `files`, a broken runtime import, a CJS build
 * that throws on load. Needs `npm run build` first (check runs it).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { runInNewContext } from 'node:vm'

// One export each subpath must have at runtime.
const expected: Record<string, string> = {
  '.': 'createSession',
  './axios': 'attachAxios',
  './fetch': 'installFetch',
  './xhr': 'installXHR',
  './strategies': 'fib',
  './redis': 'redisCoordination',
  './testing': 'startEmulator',
  './compat/axios-auth-refresh': 'createAuthRefresh',
}

const root = process.cwd()
const { exports, devDependencies } = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, unknown>; devDependencies: Record<string, string> }
const devAxios = devDependencies.axios
const subpaths = Object.keys(exports).filter((subpath) => subpath !== './package.json')
const unlisted = subpaths.filter((subpath) => !(subpath in expected))
if (unlisted.length) throw new Error(`pack-check: add an expected export for ${unlisted.join(', ')}`)

const dir = mkdtempSync(join(tmpdir(), 'tokenflight-pack-'))
const npm = (args: string[], cwd: string): string => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
try {
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], root)) as Array<{ filename: string; files: Array<{ path: string }> }>
  if (!packed) throw new Error('npm pack produced nothing')
  if (!packed.files.some((file) => file.path === 'LICENSE')) throw new Error('the tarball has no LICENSE')
  writeFileSync(join(dir, 'package.json'), '{ "name": "consumer", "private": true }\n')
  // Its two dependencies come from the local npm cache where `npm ci` put them.
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', resolve(dir, packed.filename)], dir)

  const rows: Array<{ subpath: string; export: string; esm: string; cjs: string }> = []
  // Every subpath loads without its optional peers, but the drop-in: it makes axios's CanceledError, as the peer does.
  const needsAxios = './compat/axios-auth-refresh'
  for (const subpath of [...subpaths.filter((s) => s !== needsAxios), needsAxios]) {
    if (subpath === needsAxios) npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', `axios@${devAxios}`], dir)
    const specifier = subpath === '.' ? 'tokenflight' : `tokenflight/${subpath.slice(2)}`
    const name = expected[subpath] as string
    const esm = `import * as m from '${specifier}'; if (typeof m.${name} !== 'function') throw new Error('${specifier}: no ${name}')`
    const cjs = `const m = require('${specifier}'); if (typeof m.${name} !== 'function') throw new Error('${specifier}: no ${name}')`
    const run = (file: string, code: string): string => {
      writeFileSync(join(dir, file), code)
      execFileSync(process.execPath, [file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
      return 'ok'
    }
    rows.push({ subpath: specifier, export: name, esm: run('check.mjs', esm), cjs: run('check.cjs', cjs) })
  }
  console.table(rows)
  // The drop-in's CommonJS entry is the function itself, as axios-auth-refresh's is.
  const callable = "const f = require('tokenflight/compat/axios-auth-refresh'); if (typeof f !== 'function' || f.default !== f) throw new Error('require() is not the function')"
  writeFileSync(join(dir, 'callable.cjs'), callable)
  execFileSync(process.execPath, ['callable.cjs'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })

  // The <script> build: no module system, no Node globals beyond what a page has.
  const iife = readFileSync(join(dir, 'node_modules/tokenflight/dist/tokenflight.iife.js'), 'utf8')
  const page: Record<string, unknown> = {}
  runInNewContext(iife, page)
  const global = page.TokenFlight as Record<string, unknown> | undefined
  const needed = ['createSession', 'installXHR', 'installFetch', 'tabCoordinator', 'fib', 's360', 'ciam', 'ags', 'oauth2', 'custom']
  const missing = needed.filter((name) => typeof global?.[name] !== 'function')
  if (missing.length) throw new Error(`dist/tokenflight.iife.js: TokenFlight lacks ${missing.join(', ')}`)
  console.log(`pack-check: ${packed.filename} (${packed.files.length} files) imports cleanly from ESM and CJS; the IIFE defines TokenFlight`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
