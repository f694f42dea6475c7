import type { AsyncResource } from 'node:async_hooks';
import type { StoreWriter, SyncStore } from '../store/types.ts';

/*
 * Group commit: the writes that reach a node (uploads and TRANSACTs from any of its sessions)
 * while a store transaction is in flight are run together in the next one, one after the other
 * in the order they arrived, so that one commit (one fsync on SQLite, one WAL flush on
 * PostgreSQL) holds many changesets. The history is appended in that order: the store's append
 * order is the order every node sees.
 *
 * Each write runs in a savepoint of its own: one that throws (a bad changeset, a stale session)
 * is undone alone and its error goes to its own caller; the others go on. Every caller's promise
 * settles only after the transaction that holds its write committed (or failed as a whole), so
 * nothing is acknowledged before it is durable.
 */

interface Job<W> {
  readonly run: (tx: W) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit<W extends StoreWriter = StoreWriter> {
  private pending: Job<W>[] = [];
  private scheduled = false;
  private running = false;

  constructor(
    private readonly store: SyncStore,
    /** The async context the transactions run in (never a caller's: see SyncEngine.advance). */
    private readonly scope: AsyncResource,
    /** The most writes one transaction takes (the rest wait for the next). */
    private readonly maxGroup = 256,
    /** Observes the size of every group (metrics, tests). */
    private readonly onGroup?: (size: number) => void,
    /** The writer the group's writes run on, made once per transaction from the store's. */
    private readonly open: (tx: StoreWriter) => W = (tx) => tx as W,
    /** Called with that writer once its transaction committed. */
    private readonly committed?: (tx: W) => void,
  ) {}

  /** Runs `fn` in the next group's transaction; resolves after that transaction committed. */
  submit<T>(fn: (tx: W) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run: fn, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // After the I/O phase: the uploads read from every socket in this turn of the event loop
    // join the group (better-sqlite3 runs a whole transaction without yielding to I/O, so a
    // group started at once would only ever hold the first).
    this.scope.runInAsyncScope(() => setImmediate(() => void this.drain()));
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    this.running = true;
    try {
      const group = this.pending.splice(0, this.maxGroup);
      if (group.length > 0) await this.commit(group);
    } finally {
      this.running = false;
      if (this.pending.length > 0) this.schedule();
    }
  }

  private async commit(group: Job<W>[]): Promise<void> {
    this.onGroup?.(group.length);
    let outcomes: Outcome[] = [];
    let writer: W | undefined;
    try {
      await this.store.transaction(async (storeTx) => {
        const tx = (writer = this.open(storeTx));
        outcomes = [];
        if (group.length === 1) {
          // Alone, the transaction itself is the savepoint.
          outcomes.push({ ok: true, value: await group[0]!.run(tx) });
          return;
        }
        for (const job of group) {
          try {
            outcomes.push({ ok: true, value: await tx.savepoint(() => job.run(tx)) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The transaction failed as a whole (its only write threw, or the commit did): nothing of
      // it is stored, and every write in it is told so.
      for (const job of group) job.reject(error);
      return;
    }
    if (writer) this.committed?.(writer);
    group.forEach((job, i) => {
      const o = outcomes[i]!;
      if (o.ok) job.resolve(o.value);
      else job.reject(o.error);
    });
  }
}
