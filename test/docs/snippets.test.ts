/**
 * Every ```ts block of README.md and docs/ is type-checked, each as its own module, against the
 * package as a user installs it (the built declarations, resolved by name through `exports`),
 * under `moduleResolution: node16` and `bundler`, and with the strictest options. What a page's blocks use without defining it
 * is declared in that page's prelude below.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import ts from 'typescript'
import { beforeAll, describe, expect, it } from 'vitest'
import { root, typeErrors } from '../_helpers/declarations.js'
import { documentationPages } from '../_helpers/documentation-pages.js'

// The names a page's snippets use without defining them (examples stay short), one declaration
// a line; a block that imports or defines a name itself does not get its declaration.
const tokenNames = ['declare const accessToken: string', 'declare const refreshToken: string']
// Tokens as users write them: an object literal from their sign-in, no annotation.
const fibSession = [
  'declare const tokens: { accessToken: string; refreshToken: string }',
  "declare const strategy: import('tokenflight').Strategy<import('tokenflight/strategies').FibTokens>",
]
const preludes: Record<string, string[]> = {
  'README.md': [
    ...fibSession,
    'declare function showLogin(): void',
    "declare function renewTokens(tokens: import('tokenflight/strategies').FibTokens): Promise<import('tokenflight/strategies').FibTokens>",
    'declare const order: { item: string }',
  ],
  'docs/guide.md': ["declare const session: import('tokenflight').Session", "declare const api: import('axios').AxiosInstance"],
  'docs/providers/ags.md': ['declare const signOn: { access_token: string; refresh_token: string; expires_in: number; refresh_expires_in: number; fixed_refresh_expires_in: number }'],
  'docs/providers/ciam.md': ['declare const deviceId: string', 'declare const idToken: string', 'declare const sessionToken: string', 'declare const expire: number', 'declare function showLogin(): void'],
  'docs/providers/fib.md': [...tokenNames, "declare const api: import('axios').AxiosInstance"],
  'docs/providers/oauth2.md': tokenNames,
  'docs/providers/s360.md': ['declare const accessToken: string', 'declare const sessionToken: string', 'declare const sessionId: string', 'declare function goAnonymous(): void'],
  'docs/scaling.md': [
    ...tokenNames,
    ...fibSession,
    'declare const log: { warn(...args: unknown[]): void }',
    "declare const createSession: typeof import('tokenflight').createSession",
    "declare const tabCoordinator: typeof import('tokenflight').tabCoordinator",
    "declare const api: import('axios').AxiosInstance",
  ],
  'docs/recipes.md': [...fibSession, "type SocketLike = { readonly readyState: number; send(data: string): void; close(code?: number, reason?: string): void; addEventListener(type: 'open' | 'close', listener: () => void): void }",
    "declare const authenticatedSocket: (session: import('tokenflight').Session, connect: () => SocketLike) => SocketLike"],
}

function preludeFor(page: string, block: string): string {
  return (preludes[page] ?? [])
    .filter((declaration) => {
      const name = /^(?:declare (?:const|function)|type|interface) (\w+)/.exec(declaration)?.[1]
      if (!name) throw new Error(`prelude line of ${page} declares no name: ${declaration}`)
      return !new RegExp(`^import\\b[^\\n]*\\b${name}\\b|\\b(?:const|let|function|class|type|interface) ${name}\\b`, 'm').test(block)
    })
    .join('\n')
}

// Pages another track owns whose blocks do not compile yet, and under which resolution: each
// entry must still fail (so the list only shrinks) and goes when its page is fixed.
const knownFailures: Record<string, string[]> = {}

function snippetsOf(page: string): string[] {
  const text = readFileSync(resolve(root, page), 'utf8')
  // A block fenced ```ts peer is another library's code (a "before" in the migration guide): not ours to check.
  return [...text.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```/gm)].map((match) => match[1] ?? '')
}

const modes: Record<string, ts.CompilerOptions> = {
  node16: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
  bundler: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
  // What the strictest projects add to `strict`.
  'bundler, exactOptionalPropertyTypes, noUncheckedIndexedAccess': {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
  },
}
const common: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: ['node'],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
}

// docs/api.md is generated: its blocks are signatures and TSDoc examples, not programs.
const pages = documentationPages().filter((page) => page !== 'docs/api.md' && snippetsOf(page).length > 0)

// Each block a module of its own, named by page and block number (`export {}` makes a block without imports one).
const snippetFiles = new Map(
  pages.flatMap((page) =>
    snippetsOf(page).map((code, i): [string, string] => [resolve(root, 'docs/.snippets', `${page.replace(/\W/g, '-')}-${i + 1}.ts`), `${code}\n${preludeFor(page, code)}\nexport {}\n`]),
  ),
)
const pageOf = (error: string): string | undefined => pages.find((page) => error.startsWith(`docs/.snippets/${page.replace(/\W/g, '-')}-`))

describe.each(Object.keys(modes))('README and docs snippets compile under moduleResolution %s', (mode) => {
  let errors: string[] = []
  // One program for every page's blocks: a program per page costs a minute on a busy machine.
  beforeAll(() => {
    errors = typeErrors(snippetFiles, { ...common, ...(modes[mode] as ts.CompilerOptions) })
  }, 180_000)

  it('every error belongs to a page', () => {
    expect(errors.filter((error) => !pageOf(error))).toEqual([])
  })

  it.each(pages)('%s', (page) => {
    const own = errors.filter((error) => pageOf(error) === page)
    if (knownFailures[page]?.includes(mode)) expect(own.length, `${page} compiles now under ${mode}: remove it from knownFailures`).toBeGreaterThan(0)
    else expect(own).toEqual([])
  })
})
