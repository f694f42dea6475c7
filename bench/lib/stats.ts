/*
 * Small statistics for the benchmarks. Every figure the suites report is a median of several
 * runs (noise on a shared 2-core machine is large and one-sided: a run is only ever slowed
 * down), percentiles use the nearest-rank method, and curves are fitted on log-log axes so
 * that the slope reads directly as the growth exponent (1 = linear, 2 = quadratic).
 */

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new Error('percentile of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))]!;
}

/** Least-squares fit of log(y) = a + k·log(x): k is the growth exponent. */
export function fitExponent(points: readonly { x: number; y: number }[]): { exponent: number; r2: number } {
  const pts = points.filter((p) => p.x > 0 && p.y > 0);
  if (pts.length < 2) return { exponent: Number.NaN, r2: Number.NaN };
  const lx = pts.map((p) => Math.log(p.x));
  const ly = pts.map((p) => Math.log(p.y));
  const mx = lx.reduce((a, b) => a + b, 0) / pts.length;
  const my = ly.reduce((a, b) => a + b, 0) / pts.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < pts.length; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
    syy += (ly[i]! - my) ** 2;
  }
  const exponent = sxy / sxx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { exponent, r2 };
}

/** How a fitted exponent reads in words (the thresholds leave room for measurement noise). */
export function growthWord(k: number): string {
  if (!Number.isFinite(k)) return 'not enough points';
  if (k < 0.2) return 'flat';
  if (k < 0.85) return 'sub-linear';
  if (k <= 1.15) return 'linear';
  if (k <= 1.5) return 'super-linear';
  return 'quadratic or worse';
}

/** Runs `fn` `warmup` times unmeasured, then `runs` times; returns the measured results. */
export async function repeat<T>(runs: number, warmup: number, fn: (i: number) => Promise<T> | T): Promise<T[]> {
  for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const out: T[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn(i));
  return out;
}

export const fmt = {
  ms: (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3)) + ' ms',
  int: (x: number): string => Math.round(x).toLocaleString('en-US'),
  ratio: (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}x` : '—'),
  mib: (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`,
  kib: (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`,
};
