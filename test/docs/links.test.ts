/**
 * The documentation is self-contained: every link in README.md and docs/ resolves to a file in
 * the repository (and to a heading, when it names one), none leaves it, and no page points at
 * material that ships nowhere (the design notes, the providers' source documents).
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { documentationPages } from '../_helpers/documentation-pages.js'

const root = resolve(import.meta.dirname, '../..')


const withoutCode = (markdown: string): string => markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, (span) => (/design\.md|\.txt\b/.test(span) ? span : ''))

/** Markdown links `[text](target)` and `<a href="target">` outside code. */
function linksOf(markdown: string): string[] {
  const text = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '')
  const inline = [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1] ?? '')
  const html = [...text.matchAll(/<a\s[^>]*href="([^"]+)"/g)].map((match) => match[1] ?? '')
  return [...inline, ...html]
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const anchors = new Set<string>()
  for (const match of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const slug = (match[1] ?? '')
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    anchors.add(count ? `${slug}-${count}` : slug)
  }
  return anchors
}

function brokenLinks(page: string, markdown = readFileSync(resolve(root, page), 'utf8')): string[] {
  return linksOf(markdown).flatMap((link) => {
    if (/^[a-z][a-z+.-]*:/i.test(link)) return [`${link}: leaves the repository`]
    const [path = '', anchor] = link.split('#')
    const target = path ? resolve(dirname(resolve(root, page)), decodeURIComponent(path)) : resolve(root, page)
    if (relative(root, target).startsWith('..')) return [`${link}: outside the repository`]
    if (!existsSync(target)) return [`${link}: no such file`]
    if (anchor && statSync(target).isFile() && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) return [`${link}: no such heading`]
    return []
  })
}

const pages = documentationPages()

describe('documentation links', () => {
  it('there are pages, and they link to each other', () => {
    expect(pages).toContain('README.md')
    expect(pages.flatMap((page) => linksOf(readFileSync(resolve(root, page), 'utf8'))).length).toBeGreaterThan(20)
  })

  it.each(pages)('%s: every link resolves inside the repository', (page) => {
    expect(brokenLinks(page)).toEqual([])
  })

  it.each(pages)('%s: points at nothing that ships nowhere (design.md, the providers’ .txt sources)', (page) => {
    const text = withoutCode(readFileSync(resolve(root, page), 'utf8'))
    const pointers = text.split('\n').filter((line) => /design\.md|shared\/providers|[\w-]+\.txt\b/.test(line))
    expect(pointers).toEqual([])
  })

  it('the checker itself: a missing file, a missing heading, a way out and an outside link are caught', () => {
    const anchors = anchorsOf('# Set up\n## `attachAxios(api)` and more\n## Set up\n')
    expect([...anchors]).toEqual(['set-up', 'attachaxiosapi-and-more', 'set-up-1'])
    expect(linksOf('see [a](docs/x.md#y) and [b](https://example.com) `[c](z)`')).toEqual(['docs/x.md#y', 'https://example.com'])
    const page = '[ok](guide.md#the-session) [a](missing.md) [b](guide.md#no-such-heading) [c](../../../etc/hosts) [d](https://example.com)'
    expect(brokenLinks('docs/page.md', page)).toEqual([
      'missing.md: no such file',
      'guide.md#no-such-heading: no such heading',
      '../../../etc/hosts: outside the repository',
      'https://example.com: leaves the repository',
    ])
  })
})
