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

/**
 * How far ahead of the server's clock a timestamp may be (the server's default
 * `limits.maxClockSkewSeconds`): the server rejects uploads stamped later, and a client never
 * lets a received timestamp pull its clock further than this past its own (corrected) time.
 */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 10 * 60_000;

/** The latest timestamp allowed at wall time `wallMs` with `skewMs` of tolerance (any counter within that millisecond). */
export function maxTimestampAt(wallMs: number, skewMs: number): number {
  return hlcFromWall(wallMs + skewMs) + SCALE - 1;
}

export function isValidTimestamp(ts: unknown): ts is number {
  return typeof ts === 'number' && Number.isSafeInteger(ts) && ts >= 0;
}

export class HybridClock {
  private last: number;
  private readonly wall: () => number;
  private readonly maxAheadMs: number;
  /** Added to the wall clock: the server's time minus this device's, once a client has heard it. */
  private offsetMs = 0;

  /**
   * @param now the wall clock (Unix ms); tests inject skewed clocks.
   * @param maxAheadMs how far past the (corrected) wall clock a received timestamp may pull
   *   this clock, so that one replica with a wild clock cannot drag every later write into the
   *   future. The server and the worker both set it to the clock bound.
   */
  constructor(options: { now?: () => number; maxAheadMs?: number; last?: number } = {}) {
    this.wall = options.now ?? Date.now;
    this.maxAheadMs = options.maxAheadMs ?? Number.POSITIVE_INFINITY;
    this.last = options.last ?? 0;
  }

  /** The corrected wall clock: this device's clock plus the offset learned from the server. */
  now(): number {
    return this.wall() + this.offsetMs;
  }

  /**
   * Learns the server's time (a DOWNLOAD's, PONG's or ERROR's `serverTime`): from now on the
   * wall clock is corrected by the difference, so a device whose clock is hours off stamps its
   * writes near the server's time. Differences under a second (network latency) are ignored.
   * A clock that had run ahead of the corrected time plus `maxAheadMs` is pulled back to it.
   */
  syncTo(serverTime: number): void {
    if (!Number.isFinite(serverTime)) return;
    const offset = serverTime - this.wall();
    if (Math.abs(offset - this.offsetMs) >= 1000) this.offsetMs = offset;
    if (Number.isFinite(this.maxAheadMs)) this.clampTo(maxTimestampAt(this.now(), this.maxAheadMs));
  }

  /** Lowers the clock to at most `ts` (after the server refused timestamps past it). */
  clampTo(ts: number): void {
    if (this.last > ts) this.last = Math.max(0, ts);
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
