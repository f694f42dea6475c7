/**
 * Hybrid logical clock timestamps packed in one number: milliseconds since 2025-01-01 times
 * 4096, plus a logical counter in the low bits. Plain number comparison orders them; they fit
 * a double exactly until the year 2094.
 *
 * Why not raw wall clocks: a device whose clock runs ahead would win every concurrent conflict.
 * With an HLC every replica's clock moves past any timestamp it has seen, so a write made after
 * seeing another is always stamped later, whatever the wall clocks say.
 */
export const HLC_EPOCH_MS = Date.UTC(2025, 0, 1);
export const HLC_LOGICAL_BITS = 12;
const SCALE = 2 ** HLC_LOGICAL_BITS;

export function hlcFromWall(ms: number): number {
  return Math.max(0, Math.floor(ms) - HLC_EPOCH_MS) * SCALE;
}

/** The wall-clock part of a timestamp, in Unix milliseconds. */
export function hlcWall(ts: number): number {
  return Math.floor(ts / SCALE) + HLC_EPOCH_MS;
}

export function isValidTimestamp(ts: unknown): ts is number {
  return typeof ts === 'number' && Number.isSafeInteger(ts) && ts >= 0;
}

export class HybridClock {
  private last: number;
  private readonly now: () => number;
  private readonly maxAheadMs: number;

  /**
   * @param now the wall clock (Unix ms); tests inject skewed clocks.
   * @param maxAheadMs how far past the local wall clock a received timestamp may pull this
   *   clock. The server sets it so one client with a wild clock cannot drag every later
   *   write into the future; clients leave it unbounded.
   */
  constructor(options: { now?: () => number; maxAheadMs?: number; last?: number } = {}) {
    this.now = options.now ?? Date.now;
    this.maxAheadMs = options.maxAheadMs ?? Number.POSITIVE_INFINITY;
    this.last = options.last ?? 0;
  }

  /** A new timestamp for a local event, later than every timestamp issued or seen so far. */
  tick(): number {
    const physical = hlcFromWall(this.now());
    this.last = physical > this.last ? physical : this.last + 1;
    return this.last;
  }

  /** Moves the clock past a timestamp received from another replica. */
  observe(ts: number): void {
    if (!isValidTimestamp(ts) || ts <= this.last) return;
    const limit = hlcFromWall(this.now() + this.maxAheadMs);
    this.last = Math.max(this.last, Math.min(ts, limit));
  }

  /** The last timestamp issued or observed (for persisting the clock). */
  get current(): number {
    return this.last;
  }
}
