/**
 * Declarations that still name DOM-only globals, by the file:line prefix of the error. Each must
 * still fail (a fixed one fails the check until it is removed here). None today.
 */
export const knownNoDomFailures: string[] = []
