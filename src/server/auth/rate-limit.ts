import { OutpostError } from '../../errors.ts';

export interface LimitRule {
  /** Failures allowed per window. */
  readonly max: number;
  readonly windowSeconds: number;
}

/**
 * Counts failed attempts per key (an email, an IP address) in fixed windows, in memory. A key
 * past its limit is refused with `rate_limited` until its window ends. Per node: behind a load
 * balancer the effective limit is per node (document it; a shared limiter is not needed for the
 * default single-node setup).
 */
export class AttemptLimiter {
  private readonly counts = new Map<string, { failures: number; resetAt: number }>();

  constructor(
    private readonly rule: LimitRule,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws `rate_limited` (with `retryAfterSeconds`) when `key` is over its limit. */
  check(key: string): void {
    const e = this.counts.get(key);
    if (!e) return;
    const now = this.now();
    if (e.resetAt <= now) {
      this.counts.delete(key);
      return;
    }
    if (e.failures >= this.rule.max) {
      const retryAfterSeconds = Math.max(1, Math.ceil((e.resetAt - now) / 1000));
      throw new OutpostError('rate_limited', `too many failed attempts; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
  }

  fail(key: string): void {
    const now = this.now();
    const e = this.counts.get(key);
    if (!e || e.resetAt <= now) this.counts.set(key, { failures: 1, resetAt: now + this.rule.windowSeconds * 1000 });
    else e.failures++;
    if (this.counts.size > 100_000) this.sweep();
  }

  succeed(key: string): void {
    this.counts.delete(key);
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, e] of this.counts) if (e.resetAt <= now) this.counts.delete(k);
  }
}
