/**
 * Whether `key` is `object`'s own property. `Object.hasOwn` is newer than the `<script>` build's
 * targets (Chrome 93, Firefox 92, Safari 15.4 against 80, 78 and 14).
 */
// biome-ignore lint/suspicious/noPrototypeBuiltins: Object.hasOwn is what the targets lack
export const hasOwn = (object: object, key: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(object, key)
