/*
 * Web Locks, as far as Outpost uses them: the tab whose worker holds `outpost-sync:<db>` owns the
 * socket; the others wait in the lock's queue and the next one takes over when the holder's tab
 * closes. Browsers (windows and workers) have `navigator.locks`; Node does not, so in-process
 * workers share this small implementation (one process = one "browser").
 */

export type LockMode = 'exclusive' | 'shared';

export interface LockOptions {
  readonly mode?: LockMode;
  readonly ifAvailable?: boolean;
  readonly signal?: AbortSignal;
}

export interface LockManagerLike {
  request<T>(name: string, options: LockOptions, callback: (lock: { name: string } | null) => Promise<T> | T): Promise<T>;
}

interface Waiter {
  readonly mode: LockMode;
  readonly grant: () => void;
}

interface LockState {
  exclusive: boolean;
  holders: number;
  readonly queue: Waiter[];
}

export class MemoryLockManager implements LockManagerLike {
  private readonly locks = new Map<string, LockState>();

  async request<T>(name: string, options: LockOptions, callback: (lock: { name: string } | null) => Promise<T> | T): Promise<T> {
    const mode = options.mode ?? 'exclusive';
    let s = this.locks.get(name);
    if (!s) this.locks.set(name, (s = { exclusive: false, holders: 0, queue: [] }));
    const state = s;
    const free = () => state.holders === 0 || (mode === 'shared' && !state.exclusive && state.queue.length === 0);
    if (free()) {
      state.holders++;
      state.exclusive = mode === 'exclusive';
    } else {
      if (options.ifAvailable) return callback(null);
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { mode, grant: resolve };
        state.queue.push(waiter);
        options.signal?.addEventListener('abort', () => {
          const i = state.queue.indexOf(waiter);
          if (i >= 0) {
            state.queue.splice(i, 1);
            reject(options.signal!.reason ?? new Error('aborted'));
          }
        });
      });
    }
    try {
      return await callback({ name });
    } finally {
      state.holders--;
      if (state.holders === 0) {
        state.exclusive = false;
        this.grantNext(state);
      }
    }
  }

  private grantNext(state: LockState): void {
    const first = state.queue.shift();
    if (!first) return;
    // The lock is taken on the waiter's behalf now, so that no new request slips in before it runs.
    state.holders++;
    state.exclusive = first.mode === 'exclusive';
    first.grant();
    if (first.mode === 'shared') {
      while (state.queue[0]?.mode === 'shared') {
        state.holders++;
        state.queue.shift()!.grant();
      }
    }
  }
}

let shared: MemoryLockManager | undefined;

/** `navigator.locks` where there is one, else one in-process manager shared by every worker host. */
export function defaultLocks(): LockManagerLike {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  if (nav?.locks) return nav.locks;
  return (shared ??= new MemoryLockManager());
}
