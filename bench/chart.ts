/**
 * docs/benchmarks.svg, drawn from the results of the same run: every goal with its verdict and the
 * figure reached, then three panels of horizontal bars, one bar per client: failed requests and
 * refresh calls in the 1,000 burst, and steady-state client CPU per request relative to the bare
 * client. Plain SVG, no dependency.
 */
import type { GoalRow } from './goals.js'

type Row = Record<string, unknown>

interface Panel {
  title: string
  bars: Array<{ label: string; value: number }>
  format: (value: number) => string
}

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const LABEL_WIDTH = 330
const BAR_WIDTH = 360
const ROW = 22

function panel({ title, bars, format }: Panel, top: number): { svg: string; height: number } {
  const max = Math.max(1, ...bars.map((bar) => bar.value))
  const rows = bars.map(({ label, value }, i) => {
    const y = top + 28 + i * ROW
    const width = Math.max(1, Math.round((value / max) * BAR_WIDTH))
    const colour = label.startsWith('tokenflight') ? '#2f6fdf' : '#9aa4b2'
    return [
      `<text x="${LABEL_WIDTH - 8}" y="${y + 14}" text-anchor="end">${escapeXml(label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${width}" height="${ROW - 6}" fill="${colour}"/>`,
      `<text x="${LABEL_WIDTH + width + 6}" y="${y + 14}">${escapeXml(format(value))}</text>`,
    ].join('')
  })
  const heading = `<text x="8" y="${top + 18}" font-weight="bold">${escapeXml(title)}</text>`
  return { svg: heading + rows.join(''), height: 36 + bars.length * ROW }
}

const VERDICT_COLOURS: Record<GoalRow['verdict'], string> = { met: '#2e9e5b', missed: '#d9534f', 'not run': '#9aa4b2' }

// One row per goal: its verdict as a coloured mark, and the figure reached.
function goalPanel(goals: GoalRow[], top: number): { svg: string; height: number } {
  const rows = goals.map(({ short, verdict, reached }, i) => {
    const y = top + 28 + i * ROW
    return [
      `<text x="${LABEL_WIDTH - 8}" y="${y + 14}" text-anchor="end">${escapeXml(short)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y + 3}" width="56" height="${ROW - 6}" fill="${VERDICT_COLOURS[verdict]}"/>`,
      `<text x="${LABEL_WIDTH + 28}" y="${y + 14}" text-anchor="middle" fill="#fff">${verdict}</text>`,
      `<text x="${LABEL_WIDTH + 64}" y="${y + 14}">${escapeXml(reached)}</text>`,
    ].join('')
  })
  const heading = `<text x="8" y="${top + 18}" font-weight="bold">Goals: the figure reached in this run (why a goal is missed: docs/benchmarks.md)</text>`
  return { svg: heading + rows.join(''), height: 36 + goals.length * ROW }
}

export function barChart(goals: GoalRow[], burst: Row[], steady: Row[]): string {
  const panels: Panel[] = [
    {
      title: 'Burst of 1,000 concurrent 401s: failed requests (lower is better)',
      bars: burst.map((row) => ({ label: String(row.client), value: Number(row.failures) })),
      format: String,
    },
    {
      title: 'Burst of 1,000 concurrent 401s: refresh calls (1 is right)',
      bars: burst.map((row) => ({ label: String(row.client), value: Number(row.refreshCalls) })),
      format: String,
    },
    {
      title: 'Steady state, 16 in flight: client CPU per request vs the bare client (lower is better)',
      bars: steady.map((row) => ({ label: String(row.client), value: Number(row.vsBare) })),
      format: (value) => `${value.toFixed(2)}×`,
    },
  ]
  const goalsDrawn = goalPanel(goals, 0)
  let top = goalsDrawn.height + 12
  const parts: string[] = [goalsDrawn.svg]
  for (const each of panels) {
    const drawn = panel(each, top)
    parts.push(drawn.svg)
    top += drawn.height + 12
  }
  const width = LABEL_WIDTH + BAR_WIDTH + 70
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top}" viewBox="0 0 ${width} ${top}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    '</svg>\n',
  ].join('\n')
}
