import type { Curve } from './report.ts';

/*
 * The scale curves as one SVG, written by hand (no plotting library): one panel per curve, both
 * axes logarithmic, so a straight line is a power law and its slope is the growth exponent. Each
 * panel draws the measured medians (solid), any same-run baseline or extra series named in
 * `series` (dashed), and a faint reference line of slope 1 (linear growth) through the first
 * point, which makes super- or sub-linear growth visible at a glance.
 */

export interface PanelSpec {
  readonly curve: Curve;
  /** Extra series from the points' `extra`, drawn dashed. */
  readonly series?: readonly string[];
}

const W = 460;
const H = 300;
const M = { left: 64, right: 16, top: 40, bottom: 46 };
const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function ticks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
}

function label(v: number): string {
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  return String(v);
}

function panel(spec: PanelSpec, x0: number, y0: number): string {
  const c = spec.curve;
  const series = [{ name: c.yLabel, pts: c.points.map((p) => ({ x: p.x, y: p.y })) }];
  for (const s of spec.series ?? []) {
    const pts = c.points.filter((p) => p.extra?.[s] !== undefined && p.extra[s]! > 0).map((p) => ({ x: p.x, y: p.extra![s]! }));
    if (pts.length) series.push({ name: s, pts });
  }
  const all = series.flatMap((s) => s.pts).filter((p) => p.x > 0 && p.y > 0);
  if (all.length === 0) return '';
  const xs = ticks(Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x)));
  const ys = ticks(Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y)));
  const [lx0, lx1] = [Math.log10(xs[0]!), Math.log10(xs[xs.length - 1]!)];
  const [ly0, ly1] = [Math.log10(ys[0]!), Math.log10(ys[ys.length - 1]!)];
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const px = (x: number) => x0 + M.left + ((Math.log10(x) - lx0) / (lx1 - lx0 || 1)) * pw;
  const py = (y: number) => y0 + M.top + ph - ((Math.log10(y) - ly0) / (ly1 - ly0 || 1)) * ph;
  const out: string[] = [];
  out.push(`<rect x="${x0 + M.left}" y="${y0 + M.top}" width="${pw}" height="${ph}" fill="#fff" stroke="#d0d7de"/>`);
  for (const t of xs) {
    out.push(`<line x1="${px(t)}" y1="${y0 + M.top}" x2="${px(t)}" y2="${y0 + M.top + ph}" stroke="#eaeef2"/>`);
    out.push(`<text x="${px(t)}" y="${y0 + M.top + ph + 16}" text-anchor="middle" class="t">${label(t)}</text>`);
  }
  for (const t of ys) {
    out.push(`<line x1="${x0 + M.left}" y1="${py(t)}" x2="${x0 + M.left + pw}" y2="${py(t)}" stroke="#eaeef2"/>`);
    out.push(`<text x="${x0 + M.left - 6}" y="${py(t) + 4}" text-anchor="end" class="t">${label(t)}</text>`);
  }
  out.push(`<text x="${x0 + M.left + pw / 2}" y="${y0 + H - 8}" text-anchor="middle" class="a">${esc(c.xLabel)} (log)</text>`);
  out.push(`<text x="${x0 + 14}" y="${y0 + M.top + ph / 2}" text-anchor="middle" class="a" transform="rotate(-90 ${x0 + 14} ${y0 + M.top + ph / 2})">${esc(c.yLabel)} (log)</text>`);
  const title = c.label.length > 70 ? c.label.slice(0, 67) + '…' : c.label;
  out.push(`<text x="${x0 + M.left}" y="${y0 + 16}" class="h">${esc(title)}</text>`);
  const e = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
  const tail = c.points.length > 2 ? `; last two points ${e(c.tailExponent)}` : '';
  out.push(`<text x="${x0 + M.left}" y="${y0 + 32}" class="t">log-log exponent ${e(c.exponent)} (${esc(c.growth)})${tail}</text>`);
  // Slope-1 reference through the first measured point, clipped to the panel.
  const p0 = series[0]!.pts[0];
  if (p0) {
    const xEnd = xs[xs.length - 1]!;
    const yEnd = p0.y * (xEnd / p0.x);
    const clipY = Math.min(yEnd, ys[ys.length - 1]!);
    const clipX = p0.x * (clipY / p0.y);
    out.push(`<line x1="${px(p0.x)}" y1="${py(p0.y)}" x2="${px(clipX)}" y2="${py(clipY)}" stroke="#8c959f" stroke-dasharray="2 4"/>`);
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const path = s.pts.map((p, k) => `${k ? 'L' : 'M'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"${i ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const p of s.pts) out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${color}"/>`);
    out.push(`<line x1="${x0 + M.left + 8}" y1="${y0 + M.top + 12 + 14 * i}" x2="${x0 + M.left + 28}" y2="${y0 + M.top + 12 + 14 * i}" stroke="${color}" stroke-width="2"${i ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${x0 + M.left + 32}" y="${y0 + M.top + 16 + 14 * i}" class="t">${esc(s.name)}</text>`);
  });
  out.push(`<text x="${x0 + M.left + pw - 4}" y="${y0 + M.top + ph - 6}" text-anchor="end" class="t" fill="#8c959f">dotted: slope 1 (linear)</text>`);
  return out.join('\n');
}

export function renderCurves(panels: readonly PanelSpec[], title: string): string {
  const cols = 2;
  const rows = Math.ceil(panels.length / cols);
  const width = cols * W;
  const height = rows * H + 30;
  const body = panels.map((p, i) => panel(p, (i % cols) * W, 30 + Math.floor(i / cols) * H)).join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">`,
    '<style>.t{font-size:10px;fill:#57606a}.a{font-size:11px;fill:#24292f}.h{font-size:12px;font-weight:600;fill:#24292f}</style>',
    `<rect width="${width}" height="${height}" fill="#f6f8fa"/>`,
    `<text x="12" y="20" class="h">${esc(title)}</text>`,
    body,
    '</svg>',
  ].join('\n');
}
