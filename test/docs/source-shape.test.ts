import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

// The tree stays legible: no source file over 200 lines, no function over 60.
const MAX_FILE_LINES = 200
const MAX_FUNCTION_LINES = 60
const root = join(import.meta.dirname, '../../src')

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  )

// Every function-like node with a body longer than the limit, as `file name (n lines)`.
function longFunctions(path: string, text: string): string[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true)
  const found: string[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line
      const last = file.getLineAndCharacterOfPosition(node.getEnd()).line
      const lines = last - first + 1
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : '(anonymous)'
      const where = `${relative(root, path)} ${name}`
      if (lines > MAX_FUNCTION_LINES) found.push(`${where} (${lines} lines)`)
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  return found
}

describe('source shape', () => {
  const files = sources(root)

  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(50)
  })

  it(`has no file over ${MAX_FILE_LINES} lines`, () => {
    const long = files.map((path) => [relative(root, path), readFileSync(path, 'utf8').split('\n').length - 1] as const).filter(([, lines]) => lines > MAX_FILE_LINES)
    expect(long).toEqual([])
  })

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    expect(files.flatMap((path) => longFunctions(path, readFileSync(path, 'utf8')))).toEqual([])
  })
})
