import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CLOCK_SKEW_MS, hlcFromWall, hlcWall, HybridClock, maxTimestampAt } from './hlc.ts';

const T = Date.UTC(2026, 5, 1, 12);
const HOUR = 3_600_000;

describe('the hybrid clock and the clock bound', () => {
  it('never adopts a received timestamp past its time plus the bound', () => {
    const clock = new HybridClock({ now: () => T, maxAheadMs: DEFAULT_MAX_CLOCK_SKEW_MS });
    clock.observe(2 ** 53 - 1);
    expect(clock.current).toBe(hlcFromWall(T + DEFAULT_MAX_CLOCK_SKEW_MS));
    expect(clock.tick()).toBeLessThanOrEqual(maxTimestampAt(T, DEFAULT_MAX_CLOCK_SKEW_MS));
  });

  it('corrects its wall clock from the server\u2019s time, ignoring sub-second differences', () => {
    let wall = T + 5 * HOUR; // this device runs 5 h ahead
    const clock = new HybridClock({ now: () => wall, maxAheadMs: DEFAULT_MAX_CLOCK_SKEW_MS });
    expect(hlcWall(clock.tick())).toBe(T + 5 * HOUR);
    clock.syncTo(T);
    // The stamps issued before were pulled back to the bound; new ones are at the server's time.
    expect(clock.current).toBeLessThanOrEqual(maxTimestampAt(T, DEFAULT_MAX_CLOCK_SKEW_MS));
    clock.clampTo(hlcFromWall(T));
    expect(hlcWall(clock.tick())).toBe(T);
    wall += 1000;
    clock.syncTo(T + 1500); // 500 ms of latency: ignored
    expect(clock.now()).toBe(T + 1000);
    const behind = new HybridClock({ now: () => T - 5 * HOUR, maxAheadMs: DEFAULT_MAX_CLOCK_SKEW_MS });
    behind.syncTo(T);
    expect(hlcWall(behind.tick())).toBe(T);
  });

  it('stays monotonic', () => {
    const clock = new HybridClock({ now: () => T });
    const a = clock.tick();
    const b = clock.tick();
    expect(b).toBeGreaterThan(a);
    clock.observe(b + 10);
    expect(clock.tick()).toBe(b + 11);
  });
});
