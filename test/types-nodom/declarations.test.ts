/**
 * A Node-only project (`lib: ["es2022"]`, `types: ["node"]`, `skipLibCheck: false`) compiles
 * against the package's declarations: no DOM-only global (`RequestInfo`, `Storage`,
 * `LockManager`…) in an exported signature. The same check runs on the real build in
 * `npm run check` (test/types-nodom/tsconfig.json).
 */
import { resolve } from 'node:path'
import ts from 'typescript'
import { expect, it } from 'vitest'
import { packageSpecifiers, root, typeErrors } from '../_helpers/declarations.js'
import { knownNoDomFailures } from './known-failures.js'

// The ESM half of the list `npm run check` uses (this test sees only dist/esm).
const knownFailures = knownNoDomFailures.filter((known) => known.startsWith('dist/esm/'))

it('every subpath’s declarations compile without the DOM lib', () => {
  const imports = packageSpecifiers()
    .map((specifier, i) => `import * as m${i} from '${specifier}'\nexport { m${i} }`)
    .join('\n')
  const errors = typeErrors(
    new Map([[resolve(root, 'test/types-nodom/.every-subpath.ts'), imports]]),
    {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      lib: ['lib.es2022.d.ts'],
      types: ['node'],
      strict: true,
      noEmit: true,
      skipLibCheck: false,
    },
    { includeDeclarations: true },
  )
  expect(errors.filter((error) => !knownFailures.some((known) => error.startsWith(known)))).toEqual([])
  for (const known of knownFailures) expect(errors.some((error) => error.startsWith(known)), `${known} is fixed: remove it from knownFailures`).toBe(true)
}, 180_000)
