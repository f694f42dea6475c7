import { writeFileSync } from 'node:fs';
import { fitExponent, fmt, growthWord, median } from './stats.ts';

/*
 * What a suite reports, in a form bench/run-all.ts can merge: measures (a median with its runs
 * and, where one exists, a baseline measured in the same run) and curves (a figure against a
 * size, with the fitted log-log exponent). Every suite is also a CLI that prints its own table;
 * `--json <file>` additionally writes this structure, which is how run-all collects it (each
 * suite runs in its own process, so one suite's heap and JIT state never colour another's).
 */

export interface Baseline {
  readonly label: string;
  readonly value: number;
  readonly runs?: readonly number[];
}

export interface Measure {
  /** Stable key, e.g. `server.fanout.s1000.p50`. */
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  /** Median of `runs`. */
  readonly value: number;
  readonly runs: readonly number[];
  readonly better: 'lower' | 'higher';
  readonly baseline?: Baseline;
  /** value ÷ baseline: the median of per-run ratios when runs are paired, else of medians. */
  readonly ratio?: number;
  readonly note?: string;
}

export interface CurvePoint {
  readonly x: number;
  /** Median of `runs`. */
  readonly y: number;
  readonly runs?: readonly number[];
  /** Extra figures at this point (memory, throughput, …). */
  readonly extra?: Readonly<Record<string, number>>;
  readonly note?: string;
}

export interface Curve {
  readonly id: string;
  readonly label: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly points: readonly CurvePoint[];
  readonly exponent: number;
  readonly r2: number;
  readonly growth: string;
  /** The exponent between the last two points alone: a fit over all points can hide a bend at the top. */
  readonly tailExponent: number;
  readonly note?: string;
}

export interface SuiteResult {
  readonly suite: string;
  readonly smoke: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly info: Readonly<Record<string, string | number>>;
  readonly measures: readonly Measure[];
  readonly curves: readonly Curve[];
  readonly notes: readonly string[];
}

export interface BenchArgs {
  readonly smoke: boolean;
  readonly json: string | undefined;
  /** Measured runs per figure (warm-up runs come on top). */
  readonly runs: number;
}

/** `--smoke` (or BENCH_SMOKE=1): tiny sizes, few runs; `--json <file>`; `--runs <n>` (default 5). */
export function parseBenchArgs(argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  const at = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const smoke = argv.includes('--smoke') || /^(1|true|yes)$/i.test(process.env.BENCH_SMOKE ?? '');
  const runs = Number(at('--runs') ?? (smoke ? 2 : 5));
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs needs a positive integer');
  return { smoke, json: at('--json'), runs };
}

export function measure(m: {
  id: string;
  label: string;
  unit: string;
  runs: readonly number[];
  better: 'lower' | 'higher';
  baseline?: { label: string; runs: readonly number[] };
  note?: string;
}): Measure {
  const value = median(m.runs);
  let baseline: Baseline | undefined;
  let ratio: number | undefined;
  if (m.baseline) {
    baseline = { label: m.baseline.label, value: median(m.baseline.runs), runs: m.baseline.runs };
    // Paired runs (baseline and contestant measured back to back in each run) cancel most of
    // the machine's drift, so the ratio is the median of per-run ratios.
    ratio = m.baseline.runs.length === m.runs.length ? median(m.runs.map((v, i) => v / m.baseline!.runs[i]!)) : value / baseline.value;
  }
  return { id: m.id, label: m.label, unit: m.unit, value, runs: m.runs, better: m.better, ...(baseline ? { baseline, ratio } : {}), ...(m.note ? { note: m.note } : {}) };
}

export function curve(c: { id: string; label: string; xLabel: string; yLabel: string; points: CurvePoint[]; note?: string }): Curve {
  const { exponent, r2 } = fitExponent(c.points.map((p) => ({ x: p.x, y: p.y })));
  const [a, b] = c.points.slice(-2);
  const tailExponent = a && b ? Math.log(b.y / a.y) / Math.log(b.x / a.x) : Number.NaN;
  return { ...c, exponent, r2, growth: growthWord(exponent), tailExponent };
}

export function formatValue(value: number, unit: string): string {
  switch (unit) {
    case 'ms':
      return fmt.ms(value);
    case 'bytes':
      return value >= 1024 * 1024 ? fmt.mib(value) : fmt.kib(value);
    case 'µs':
      return `${value.toFixed(1)} µs`;
    default:
      return `${value >= 100 ? fmt.int(value) : value.toPrecision(3)} ${unit}`;
  }
}

/** A Markdown table of measures (the suites print it; run-all puts it in latest.md). */
export function measuresTable(measures: readonly Measure[]): string {
  const lines = ['| measure | median | runs | baseline (same run) | ratio |', '|---|---:|---:|---|---:|'];
  for (const m of measures) {
    const base = m.baseline ? `${m.baseline.label}: ${formatValue(m.baseline.value, m.unit)}` : '';
    const ratio = m.ratio !== undefined ? fmt.ratio(m.ratio) : '';
    lines.push(`| ${m.label}${m.note ? ` (${m.note})` : ''} | ${formatValue(m.value, m.unit)} | ${m.runs.length} | ${base} | ${ratio} |`);
  }
  return lines.join('\n');
}

export function curveTable(c: Curve): string {
  const extras = [...new Set(c.points.flatMap((p) => Object.keys(p.extra ?? {})))];
  const head = `| ${c.xLabel} | ${c.yLabel} | runs |${extras.map((e) => ` ${e} |`).join('')}`;
  const sep = `|---:|---:|---:|${extras.map(() => '---:|').join('')}`;
  const rows = c.points.map(
    (p) =>
      `| ${fmt.int(p.x)} | ${p.y.toPrecision(4)} | ${p.runs?.length ?? 1} |${extras.map((e) => ` ${p.extra?.[e] !== undefined ? Number(p.extra[e]!.toPrecision(4)).toLocaleString('en-US') : ''} |`).join('')}` +
      (p.note ? ` ${p.note}` : ''),
  );
  const e = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
  const last = c.points.slice(-2).map((p) => fmt.int(p.x));
  const tail = c.points.length > 2 ? `; between the last two points (${last.join(' → ')}): ${e(c.tailExponent)}, ${growthWord(c.tailExponent)}` : '';
  const fit = `log-log exponent over all points ${e(c.exponent)} (r² ${e(c.r2)}): **${c.growth}**${tail}`;
  return [`**${c.label}**${c.note ? ` — ${c.note}` : ''}`, '', head, sep, ...rows, '', fit].join('\n');
}

export function printResult(r: SuiteResult): void {
  console.log(`\n${r.suite}${r.smoke ? ' (smoke)' : ''}\n`);
  if (r.measures.length) console.log(measuresTable(r.measures));
  for (const c of r.curves) console.log('\n' + curveTable(c));
  for (const n of r.notes) console.log(`\nnote: ${n}`);
}

export function writeResult(r: SuiteResult, path: string | undefined): void {
  if (path) writeFileSync(path, JSON.stringify(r, null, 2));
}

const t0 = Date.now();
/** A progress line on stderr (long runs should show where they are; stdout keeps the tables). */
export function progress(message: string): void {
  process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${message}\n`);
}
