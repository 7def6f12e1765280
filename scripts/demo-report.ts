/**
 * The demo's `--report file.html`: one self-contained page (inline SVG and CSS, no script, no
 * network) with a timeline per provider × client: requests completed, 401s served and replays,
 * cumulative over time, and a mark at every refresh call.
 */

/** Cumulative counters sampled during one demo run. */
export interface Sample {
  ms: number
  completed: number
  unauthorized: number
  replays: number
  refreshCalls: number
}

export interface RunReport {
  provider: string
  client: string
  summary: Record<string, string>
  samples: Sample[]
}

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

const SERIES = [
  { key: 'completed', label: 'requests completed', colour: '#2f6fdf' },
  { key: 'unauthorized', label: '401s served', colour: '#e08a00' },
  { key: 'replays', label: 'replays', colour: '#1a9b55' },
] as const

function timeline(samples: Sample[]): string {
  const width = 560
  const height = 180
  const pad = { left: 44, right: 12, top: 10, bottom: 26 }
  const end = Math.max(1, samples.at(-1)?.ms ?? 1)
  const top = Math.max(1, ...samples.map((s) => Math.max(s.completed, s.unauthorized, s.replays)))
  const x = (ms: number): number => pad.left + (ms / end) * (width - pad.left - pad.right)
  const y = (n: number): number => height - pad.bottom - (n / top) * (height - pad.top - pad.bottom)
  const lines = SERIES.map(({ key, colour }) => {
    const points = samples.map((s) => `${x(s.ms).toFixed(1)},${y(s[key]).toFixed(1)}`).join(' ')
    return `<polyline class="series" fill="none" stroke="${colour}" stroke-width="2" points="${points}"/>`
  })
  // A refresh call is a vertical mark where the counter steps up.
  const marks: string[] = []
  samples.forEach((s, i) => {
    if (i > 0 && s.refreshCalls > (samples[i - 1]?.refreshCalls ?? 0)) {
      marks.push(`<line class="refresh" x1="${x(s.ms)}" x2="${x(s.ms)}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#d33" stroke-dasharray="3 3"/>`)
    }
  })
  const axes = [
    `<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="#888"/>`,
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="#888"/>`,
    `<text x="${pad.left - 6}" y="${pad.top + 10}" text-anchor="end">${top}</text>`,
    `<text x="${pad.left - 6}" y="${height - pad.bottom}" text-anchor="end">0</text>`,
    `<text x="${width - pad.right}" y="${height - 6}" text-anchor="end">${Math.round(end)} ms</text>`,
  ]
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${axes.join('')}${marks.join('')}${lines.join('')}</svg>`
}

export function renderReport(runs: RunReport[], title: string): string {
  const legend = [...SERIES.map(({ label, colour }) => `<span><i style="background:${colour}"></i>${label}</span>`), '<span><i class="dash"></i>refresh call</span>'].join('')
  const sections = runs.map((run) => {
    const cells = Object.entries(run.summary)
      .map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`)
      .join('')
    return `<section><h2>${escapeHtml(run.provider)} · ${escapeHtml(run.client)}</h2>${timeline(run.samples)}<dl>${cells}</dl></section>`
  })
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(580px, 1fr)); gap: 16px; }
section { border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; }
h2 { font-size: 15px; margin: 4px 0 8px; }
svg { font-size: 11px; display: block; }
dl { display: grid; grid-template-columns: repeat(4, auto); gap: 2px 10px; margin: 6px 0 0; font-size: 12px; }
dt { color: #666; } dd { margin: 0; font-variant-numeric: tabular-nums; }
.legend span { margin-right: 16px; } .legend i { display: inline-block; width: 14px; height: 3px; margin-right: 6px; vertical-align: middle; }
.legend i.dash { border-top: 2px dashed #d33; height: 0; }
</style></head>
<body><h1>${escapeHtml(title)}</h1><p class="legend">${legend}</p><main>${sections.join('\n')}</main></body></html>
`
}
