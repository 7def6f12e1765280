/**
 * Type-checks code the way a user's project sees the package: the declarations `npm run build`
 * would write to dist/esm (emitted in memory from src/ with the build's tsconfig), resolved
 * through package.json's `exports` by the package's own name, under the compiler options given.
 */
import { dirname, resolve } from 'node:path'
import ts from 'typescript'

export const root = resolve(import.meta.dirname, '../..')

let emitted: Map<string, string> | undefined

/** The .d.ts files the build writes to dist/esm, by absolute path, emitted once per test file. */
export function builtDeclarations(): Map<string, string> {
  if (emitted) return emitted
  const file = ts.readConfigFile(resolve(root, 'tsconfig.build.json'), ts.sys.readFile)
  const parsed = ts.parseJsonConfigFileContent(file.config, ts.sys, root)
  const options: ts.CompilerOptions = { ...parsed.options, declaration: true, emitDeclarationOnly: true, noEmit: false }
  const output = new Map<string, string>()
  const program = ts.createProgram(parsed.fileNames, options)
  const result = program.emit(undefined, (name, text) => output.set(resolve(name), text))
  const errors = result.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
  if (errors.length) throw new Error(`declaration emit failed:\n${errors.join('\n')}`)
  emitted = output
  return output
}

/** Every subpath of package.json's `exports` as a user imports it (`tokenflight`, `tokenflight/axios`…). */
export function packageSpecifiers(): string[] {
  const { name, exports } = JSON.parse(ts.sys.readFile(resolve(root, 'package.json')) ?? '{}') as { name: string; exports: Record<string, unknown> }
  return Object.keys(exports)
    .filter((subpath) => subpath !== './package.json')
    .map((subpath) => (subpath === '.' ? name : `${name}/${subpath.slice(2)}`))
}

/** Diagnostics for `files` (absolute path → source), with the built declarations laid over the disk. */
export function typeErrors(files: Map<string, string>, options: ts.CompilerOptions, { includeDeclarations = false } = {}): string[] {
  const overlay = new Map([...builtDeclarations(), ...files])
  const directories = new Set([...overlay.keys()].flatMap((path) => ancestors(path)))
  const host = ts.createCompilerHost(options)
  const { getSourceFile, fileExists, readFile, directoryExists } = host
  host.fileExists = (name) => overlay.has(resolve(name)) || fileExists(name)
  host.readFile = (name) => overlay.get(resolve(name)) ?? readFile(name)
  host.directoryExists = (name) => directories.has(resolve(name)) || (directoryExists?.(name) ?? ts.sys.directoryExists(name))
  host.getSourceFile = (name, version, ...rest) => {
    const text = overlay.get(resolve(name))
    return text === undefined ? getSourceFile(name, version, ...rest) : ts.createSourceFile(name, text, version)
  }
  const program = ts.createProgram([...files.keys()], options, host)
  const checked = (name: string): boolean => files.has(resolve(name)) || (includeDeclarations && builtDeclarations().has(resolve(name)))
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => (d.file ? checked(d.file.fileName) : true))
    .map((d) => {
      const where = d.file ? `${d.file.fileName.replace(`${root}/`, '')}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : 'options'
      return `${where}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
    })
}

function ancestors(path: string): string[] {
  const found: string[] = []
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) found.push(dir)
  return found
}
