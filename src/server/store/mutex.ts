import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * A FIFO async mutex. `transaction()` callbacks are async, so two of them in one process would
 * otherwise interleave their statements on one connection; the mutex queues them instead.
 *
 * A `run` from inside a running one would wait for itself forever, so it throws instead. The
 * async context tells the two apart: work started inside a callback (a timer, a listener) keeps
 * that context after the callback finished, so the context holds a flag that is cleared when
 * the callback ends; only a call while its own holder is still running is nested.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private readonly holder = new AsyncLocalStorage<{ active: boolean }>();

  /** True inside a running `run` callback of this mutex. */
  get held(): boolean {
    return this.holder.getStore()?.active === true;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.held) throw new Error('nested store transaction: use the transaction object you were given');
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await prev;
    const token = { active: true };
    try {
      return await this.holder.run(token, fn);
    } finally {
      token.active = false;
      release();
    }
  }
}
