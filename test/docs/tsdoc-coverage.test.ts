/**
 * Every public export (each subpath of package.json's exports) has a TSDoc comment, and every
 * exported function and class has an `@example`: the API reference (`npm run docs:api`,
 * typedoc) is generated from these comments.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import ts from 'typescript'
import { expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')

function entryFiles(): string[] {
  const { exports } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { exports: Record<string, { import?: { types: string } }> }
  return Object.values(exports)
    .flatMap((target) => (target.import ? [resolve(root, target.import.types.replace('./dist/esm/', 'src/').replace(/\.d\.ts$/, '.ts'))] : []))
}

it('every public export has a TSDoc comment; every function and class an @example', () => {
  const files = entryFiles()
  const program = ts.createProgram(files, { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, strict: true, noEmit: true, skipLibCheck: true })
  const checker = program.getTypeChecker()
  const missing: string[] = []
  let checked = 0
  for (const file of files) {
    const source = program.getSourceFile(file)
    const module = source && checker.getSymbolAtLocation(source)
    if (!module) throw new Error(`cannot read ${file}`)
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
      const where = `${file.slice(root.length + 1)}: ${exported.name}`
      checked++
      const declarations = symbol.declarations ?? []
      // Overloads and merged declarations: documented if any declaration is.
      const documented = symbol.getDocumentationComment(checker).length > 0 || declarations.some((d) => ts.getJSDocCommentsAndTags(d).length > 0)
      if (!documented) {
        missing.push(`${where}: no TSDoc comment`)
        continue
      }
      const needsExample = (symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class)) !== 0
      const hasExample = symbol.getJsDocTags(checker).some((tag) => tag.name === 'example')
      if (needsExample && !hasExample) missing.push(`${where}: no @example`)
    }
  }
  expect(checked).toBeGreaterThan(60)
  expect([...new Set(missing)].sort()).toEqual([])
}, 60_000)
