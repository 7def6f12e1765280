/**
 * Every `ts` block of docs/migration.md and README.md is type-checked, as its own module,
 * against the package's sources (each `tokenflight/...` import mapped to src/ through the
 * package's exports), so the documented code keeps compiling as the API changes.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')
// The names a document's snippets use without defining them (README's examples stay 10 lines).
const documents: Record<string, string> = {
  'docs/migration.md': '',
  'README.md': `
    declare const tokens: import('tokenflight/strategies').FibTokens
    declare const strategy: import('tokenflight').Strategy<import('tokenflight/strategies').FibTokens>
    declare function showLogin(): void
    declare function renewTokens(tokens: import('tokenflight/strategies').FibTokens): Promise<import('tokenflight/strategies').FibTokens>
    declare const order: { item: string }
  `,
}

function snippetsOf(document: string): string[] {
  const text = readFileSync(resolve(root, document), 'utf8')
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '')
}

// 'tokenflight/axios' → src/interceptors/axios.ts, read from package.json's exports.
function sourcePaths(): Record<string, string[]> {
  const { exports } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { exports: Record<string, { import?: { types: string } }> }
  const paths: Record<string, string[]> = {}
  for (const [subpath, target] of Object.entries(exports)) {
    if (!target.import) continue
    const source = target.import.types.replace('./dist/esm/', './src/').replace(/\.d\.ts$/, '.ts')
    paths[subpath === '.' ? 'tokenflight' : `tokenflight/${subpath.slice(2)}`] = [source]
  }
  return paths
}

function typeErrors(files: Map<string, string>): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    baseUrl: root,
    paths: sourcePaths(),
  }
  const host = ts.createCompilerHost(options)
  const { getSourceFile, fileExists, readFile } = host
  host.fileExists = (name) => files.has(name) || fileExists(name)
  host.readFile = (name) => files.get(name) ?? readFile(name)
  host.getSourceFile = (name, version, ...rest) => {
    const text = files.get(name)
    return text === undefined ? getSourceFile(name, version, ...rest) : ts.createSourceFile(name, text, version)
  }
  const program = ts.createProgram([...files.keys()], options, host)
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && files.has(d.file.fileName))
    .map((d) => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
}

describe('documented snippets compile', () => {
  for (const [document, prelude] of Object.entries(documents)) {
    it(`${document}: every ts block type-checks`, () => {
      const snippets = snippetsOf(document)
      expect(snippets.length).toBeGreaterThan(0)
      // Each block is a module of its own (`export {}` makes a block without imports one too).
      const files = new Map(snippets.map((code, i) => [resolve(root, `docs/.snippets/${document.replace(/\W/g, '-')}-${i}.ts`), `${code}\n${prelude}\nexport {}\n`]))
      expect(typeErrors(files)).toEqual([])
    }, 60_000)
  }
})
