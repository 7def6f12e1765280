/**
 * A version 4 UUID. `crypto.randomUUID` exists only in secure contexts and `crypto` not at all in
 * some runtimes (React Native without a polyfill, old WebViews); page code may also replace either
 * with one that throws. Where neither answers the id comes from `Math.random`: fine for what it is
 * used for (request ids, lock owners, multipart boundaries), none of which must be unguessable.
 */
export function randomUuid(): string {
  const webCrypto = (globalThis as { crypto?: Partial<Crypto> }).crypto
  try {
    const id: unknown = webCrypto?.randomUUID?.()
    if (typeof id === 'string') return id
  } catch {}
  const bytes = new Uint8Array(16)
  try {
    if (!webCrypto?.getRandomValues) throw new Error('no getRandomValues')
    webCrypto.getRandomValues(bytes)
  } catch {
    for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256)
  }
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
  return hex.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-') // 8-4-4-4-12
}
