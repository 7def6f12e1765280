/** A markdown table of rows sharing the first row's keys. */
export function table(rows: Array<Record<string, unknown>>): string {
  const [first] = rows
  if (!first) return '(not run)'
  const keys = Object.keys(first)
  return [`| ${keys.join(' | ')} |`, `|${keys.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${keys.map((k) => String(row[k])).join(' | ')} |`)].join('\n')
}
