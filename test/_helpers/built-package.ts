/**
 * The package's JavaScript as `npm run build` lays it out (dist/esm, dist/cjs with its
 * `"type": "commonjs"` marker and the callable CJS drop-in), transpiled from src/ with the build's
 * own tsconfigs into a fresh directory under node_modules/ (so `mitt` resolves), without type
 * checking: fast enough for a test, and never stale like a dist/ left from an earlier build.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { callableCjsModules, makeCallableCjs } from '../../scripts/cjs-callable.js'

const root = resolve(import.meta.dirname, '../..')

function compilerOptions(project: string): ts.CompilerOptions {
  const file = ts.readConfigFile(resolve(root, project), ts.sys.readFile)
  return ts.parseJsonConfigFileContent(file.config, ts.sys, root).options
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

function transpileTree(project: string, outDir: string): void {
  const options = compilerOptions(project)
  for (const file of sources(resolve(root, 'src'))) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file })
    const out = join(outDir, relative(resolve(root, 'src'), file)).replace(/\.ts$/, '.js')
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, outputText)
  }
}

/** A built copy of the package: `esm` and `cjs` are the directories `dist/esm` and `dist/cjs` would be. */
export interface BuiltPackage {
  esm: string
  cjs: string
  remove(): void
}

/** Transpiles src/ into a new directory laid out as dist/ is. */
export function buildPackage(): BuiltPackage {
  const cache = resolve(root, 'node_modules/.tokenflight-test-builds')
  mkdirSync(cache, { recursive: true })
  const dir = mkdtempSync(join(cache, 'build-'))
  const esm = join(dir, 'esm')
  const cjs = join(dir, 'cjs')
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
  transpileTree('tsconfig.build.json', esm)
  transpileTree('tsconfig.cjs.json', cjs)
  writeFileSync(join(cjs, 'package.json'), '{ "type": "commonjs" }\n')
  for (const module of callableCjsModules) makeCallableCjs(join(cjs, module))
  return { esm, cjs, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
