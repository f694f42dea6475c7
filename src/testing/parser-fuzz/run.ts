import fc from 'fast-check';
import type { ParserTarget } from './targets.ts';

/*
 * Runs a parser target over `count` generated inputs, in batches drawn from seeds `seed`,
 * `seed + 1`, ... (so batch b, index i replays exactly). Collects crashes (anything thrown that
 * is not the typed error), grouped by kind, and the slowest input.
 */

export interface Crash {
  readonly kind: string;
  readonly count: number;
  readonly first: { batch: number; index: number; input: string; stack: string };
}

export interface TargetReport {
  readonly target: string;
  readonly inputs: number;
  readonly crashes: Crash[];
  readonly slowest: { ms: number; batch: number; index: number; input: string };
  /** Inputs over the per-input time bound. */
  readonly overTime: number;
  readonly seconds: number;
  /** The largest heap in use after a batch, in MB (inputs must not leave memory behind). */
  readonly peakHeapMb: number;
}

export const BATCH = 1000;

export function batchInputs<T>(target: ParserTarget<T>, seed: number, batch: number): T[] {
  return fc.sample(target.input, { seed: seed + batch, numRuns: BATCH });
}

/** Where the run is, for a watchdog in another thread: [batch, index]. */
export type Position = Int32Array;

export function runTarget<T>(
  target: ParserTarget<T>,
  options: { count: number; seed: number; maxInputMs: number; position?: Position; onBatch?: (done: number, crashes: number) => void },
): TargetReport {
  const started = performance.now();
  const crashes = new Map<string, { count: number; first: Crash['first'] }>();
  let slowest = { ms: 0, batch: 0, index: 0, input: '' };
  let inputs = 0;
  let overTime = 0;
  let peakHeap = 0;
  for (let batch = 0; inputs < options.count; batch++) {
    const items = batchInputs(target, options.seed, batch);
    for (let index = 0; index < items.length && inputs < options.count; index++) {
      if (options.position) {
        Atomics.store(options.position, 0, batch);
        Atomics.store(options.position, 1, index);
      }
      const input = items[index]!;
      const t0 = performance.now();
      try {
        target.run(input);
      } catch (err) {
        const e = err as Error;
        const top = (e?.stack ?? '').split('\n').find((l) => l.includes(' at ')) ?? '';
        const kind = `${e?.name ?? typeof err}: ${String(e?.message ?? err).replace(/\d+/g, 'N').slice(0, 160)} ${top.trim()}`;
        const c = crashes.get(kind);
        if (c) c.count++;
        else crashes.set(kind, { count: 1, first: { batch, index, input: target.show(input), stack: String(e?.stack ?? err) } });
      }
      const ms = performance.now() - t0;
      if (ms > options.maxInputMs) overTime++;
      if (ms > slowest.ms) slowest = { ms, batch, index, input: target.show(input) };
      inputs++;
    }
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    options.onBatch?.(inputs, [...crashes.values()].reduce((n, c) => n + c.count, 0));
  }
  return {
    target: target.name,
    inputs,
    crashes: [...crashes].map(([kind, c]) => ({ kind, count: c.count, first: c.first })),
    slowest,
    overTime,
    seconds: (performance.now() - started) / 1000,
    peakHeapMb: Math.round(peakHeap / 2 ** 20),
  };
}
