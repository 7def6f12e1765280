/**
 * `npm run docs:api` writes docs/api.md: the API reference of every subpath in package.json's
 * `exports`, from the TSDoc comments, as one markdown page that ships in the tarball and reads
 * on GitHub and npm alike (the typedoc HTML in docs/api stays a local, unshipped view).
 * `--check` (in `npm run check`) fails when docs/api.md is not what the sources give.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import ts from 'typescript'

const root = resolve(import.meta.dirname, '..')
const output = resolve(root, 'docs/api.md')
const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType

interface Entry {
  specifier: string
  source: string
}

function entries(): Entry[] {
  const { name, exports } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { name: string; exports: Record<string, { import?: { types: string } }> }
  return Object.entries(exports).flatMap(([subpath, target]) => {
    if (!target.import) return []
    const source = resolve(root, target.import.types.replace('./dist/esm/', 'src/').replace(/\.d\.ts$/, '.ts'))
    return [{ specifier: subpath === '.' ? name : `${name}/${subpath.slice(2)}`, source }]
  })
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim()

function tag(symbol: ts.Symbol, checker: ts.TypeChecker, name: string): string | undefined {
  const found = symbol.getJsDocTags(checker).find((t) => t.name === name)
  return found ? ts.displayPartsToString(found.text).trim() : undefined
}

function members(symbol: ts.Symbol, checker: ts.TypeChecker, declaration: ts.Declaration): string[] {
  const type = checker.getDeclaredTypeOfSymbol(symbol)
  return checker.getPropertiesOfType(type).map((property) => {
    const propertyType = checker.typeToString(checker.getTypeOfSymbolAtLocation(property, declaration), undefined, flags)
    const optional = property.flags & ts.SymbolFlags.Optional ? '?' : ''
    const doc = oneLine(ts.displayPartsToString(property.getDocumentationComment(checker)))
    const fallback = tag(property, checker, 'default')
    const deprecated = tag(property, checker, 'deprecated') !== undefined ? ' *Deprecated.*' : ''
    return `| \`${property.name}${optional}\` | \`${propertyType.replace(/\|/g, '\\|')}\` | ${doc}${deprecated}${fallback ? ` Default: ${oneLine(fallback)}.` : ''} |`
  })
}

function describeSymbol(exported: ts.Symbol, checker: ts.TypeChecker): string[] {
  const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
  const declaration = symbol.declarations?.[0]
  if (!declaration) return []
  const name = exported.name
  const lines = [`### \`${name}\``, '']
  const summary = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim()
  if (summary) lines.push(summary, '')
  if (symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable)) {
    const type = checker.getTypeOfSymbolAtLocation(symbol, declaration)
    const signatures = type.getCallSignatures()
    const text = signatures.length && symbol.flags & ts.SymbolFlags.Function ? signatures.map((s) => `function ${name}${checker.signatureToString(s, undefined, flags)}`).join('\n') : `const ${name}: ${checker.typeToString(type, undefined, flags)}`
    lines.push('```ts', text, '```', '')
  } else if (symbol.flags & ts.SymbolFlags.Class) {
    const constructors = checker.getTypeOfSymbolAtLocation(symbol, declaration).getConstructSignatures()
    lines.push('```ts', ...constructors.map((s) => `new ${name}${checker.signatureToString(s, undefined, flags).replace(/: [^:]+$/, '')}`), '```', '')
  } else if (symbol.flags & ts.SymbolFlags.Interface) {
    const rows = members(symbol, checker, declaration)
    if (rows.length) lines.push('| member | type | |', '|---|---|---|', ...rows, '')
  } else if (symbol.flags & ts.SymbolFlags.TypeAlias) {
    const type = checker.getDeclaredTypeOfSymbol(symbol)
    lines.push('```ts', `type ${name} = ${checker.typeToString(type, undefined, flags | ts.TypeFormatFlags.InTypeAlias)}`, '```', '')
  }
  const example = tag(symbol, checker, 'example')
  if (example) lines.push('```ts', example.replace(/^```\w*\n?|```$/g, '').trim(), '```', '')
  return lines
}

/** The whole page. */
export function apiReference(): string {
  const config = ts.readConfigFile(resolve(root, 'tsconfig.build.json'), ts.sys.readFile)
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root)
  const list = entries()
  const program = ts.createProgram(
    list.map((entry) => entry.source),
    options,
  )
  const checker = program.getTypeChecker()
  const toc = list.map((entry) => `- [\`${entry.specifier}\`](#${entry.specifier.replace(/[^\w-]/g, '').toLowerCase()})`)
  const sections = list.flatMap((entry) => {
    const file = program.getSourceFile(entry.source)
    const module = file && checker.getSymbolAtLocation(file)
    if (!module) throw new Error(`${entry.source}: not a module`)
    const exported = checker.getExportsOfModule(module).sort((a, b) => a.name.localeCompare(b.name))
    return [`## \`${entry.specifier}\``, '', ...exported.flatMap((symbol) => describeSymbol(symbol, checker))]
  })
  const intro = [
    '# API reference',
    '',
    'Every export of every entry point, from the TSDoc comments in the sources. Generated by',
    '`npm run docs:api` (do not edit by hand); `npm run check` fails when it is out of date.',
    'Guides: [the README](../README.md) and [docs/guide.md](guide.md).',
    '',
  ]
  return `${[...intro, ...toc, '', ...sections].join('\n').trim()}\n`
}

const page = apiReference()
if (process.argv.includes('--check')) {
  const current = readFileSync(output, 'utf8')
  if (current !== page) {
    console.error('docs/api.md is out of date: run `npm run docs:api`')
    process.exit(1)
  }
  console.log('docs/api.md is up to date')
} else {
  writeFileSync(output, page)
  console.log(`docs/api.md: ${page.split('\n').length} lines`)
}
