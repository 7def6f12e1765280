/**
 * `npm run demo -- --report demo.html` writes a page a person can open: checked in Chromium,
 * which renders it and takes a screenshot. The page must show one timeline per run with its
 * series and refresh marks, and the screenshot must not be blank.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../_helpers/browser.js'
import { missing } from '../_helpers/requires.js'

describe.skipIf(missing('chromium'))('needs chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenflight-demo-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('the demo report renders: a timeline per run, each with series and refresh marks', async () => {
    const report = join(dir, 'demo.html')
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--provider', 'fib', '--report', report], {
      env: { ...process.env, CI: 'true' },
    })
    expect(stdout).toContain('OK: every request succeeded')
    expect(readFileSync(report, 'utf8')).not.toMatch(/<script/) // self-contained, nothing to run

    const browser = await launchChromium()
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      await page.goto(`file://${report}`)
      const shape = await page.evaluate(() => ({
        sections: document.querySelectorAll('section').length,
        series: [...document.querySelectorAll('section')].map((s) => s.querySelectorAll('polyline.series').length),
        refreshMarks: [...document.querySelectorAll('section')].map((s) => s.querySelectorAll('line.refresh').length),
        chartWidth: document.querySelector('svg')?.getBoundingClientRect().width ?? 0,
      }))
      expect(shape.sections).toBe(2) // fib × axios, fib × fetch
      expect(shape.series).toEqual([3, 3])
      expect(shape.refreshMarks).toEqual([3, 3]) // one per forced expiry
      expect(shape.chartWidth).toBeGreaterThan(400)
      // Not blank: charts and text compress far worse than an empty page of the same size.
      const screenshot = await page.screenshot()
      await page.goto('about:blank')
      const blank = await page.screenshot()
      expect(screenshot.length).toBeGreaterThan(5 * blank.length)
    } finally {
      await browser.close()
    }
  }, 120_000)
})
