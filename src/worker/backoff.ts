/**
 * Reconnect delays: 1 s doubling to 5 min, each jittered (±25 %) so that a server restart does not
 * bring every client back in the same second. The count restarts when the cause of the failure
 * changes (a different error is a new situation) or on `reset()` (the network came back, or a
 * connection worked).
 */
export class Backoff {
  private attempt = 0;
  private lastCause: string | undefined;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  next(cause: string, hintMs = 0): number {
    if (cause !== this.lastCause) {
      this.attempt = 0;
      this.lastCause = cause;
    }
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const jittered = Math.min(this.maxMs, base * (0.75 + 0.5 * this.random()));
    return Math.max(Math.round(jittered), hintMs);
  }

  reset(): void {
    this.attempt = 0;
    this.lastCause = undefined;
  }

  get attempts(): number {
    return this.attempt;
  }
}
