import { OutpostError, type ClientMessage, type TransactResult } from '../protocol/index.ts';
import type { TransactRequest } from '../worker-api/api.ts';
import { fromStorable } from '../worker-api/codec.ts';
import type { LocalDatabase } from './local-db.ts';
import type { SyncMeta } from './store.ts';
import type { PrimaryKey } from '../model/index.ts';

/*
 * Serialized transactions (TRANSACT) on the sync session. One at a time: the session first
 * uploads every local changeset and waits until all of them are acknowledged, then holds further
 * UPLOADs, computes the changeset on a scratch copy of the current objects, sends it, and waits
 * for the answer. Nothing is applied locally: an applied transaction comes back as a download
 * (a server change), so the promise resolves once the download cursor has reached it.
 *
 * Outcomes: `offline` at once without an identified connection; `connection_lost` with
 * `details.outcome` 'not_sent' (the connection dropped before TRANSACT went out: nothing was
 * applied) or 'unknown' (it dropped after: the server may or may not have applied it); the
 * server's code (`transaction_conflict`, `permission_denied`, ...) when it rejected it.
 */

export interface TransactLink {
  readonly db: LocalDatabase;
  /** An identified connection that may send TRANSACT now (not bootstrapping a reset). */
  ready(): boolean;
  /** The connection generation: it changes whenever the connection drops. */
  generation(): number;
  send(m: ClientMessage): boolean;
  /** Uploads everything pending, on the session's queue. */
  flushUploads(): Promise<void>;
  /** The last client version sent on this connection. */
  uploadedUpTo(): number;
  holdUploads(hold: boolean): void;
}

interface InFlight {
  readonly resolve: (r: TransactResult) => void;
  readonly reject: (e: OutpostError) => void;
}

const lost = (outcome: 'not_sent' | 'unknown') =>
  new OutpostError(
    'connection_lost',
    outcome === 'unknown'
      ? 'the connection dropped before the server answered the transaction: it may or may not have been applied'
      : 'the connection dropped before the transaction was sent: nothing was applied',
    { outcome },
  );

export class Transactions {
  private chain: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private readonly inFlight = new Map<number, InFlight>();
  private wake: (() => void)[] = [];
  private cursorWaiters: { target: number; resolve: () => void; reject: (e: OutpostError) => void }[] = [];
  private closed = false;

  constructor(private readonly link: TransactLink) {}

  run(req: TransactRequest): Promise<{ serverVersion: number }> {
    if (this.closed) return Promise.reject(new OutpostError('database_closed', 'the database was closed'));
    if (!this.link.ready()) return Promise.reject(new OutpostError('offline', 'a serialized transaction needs a connection to the server'));
    const gen = this.link.generation();
    const p = this.chain.then(() => this.execute(req, gen));
    this.chain = p.catch(() => {});
    return p;
  }

  private async execute(req: TransactRequest, gen: number): Promise<{ serverVersion: number }> {
    const link = this.link;
    const check = () => {
      if (this.closed) throw new OutpostError('database_closed', 'the database was closed');
      if (gen !== link.generation() || !link.ready()) throw lost('not_sent');
    };
    let answer: TransactResult;
    try {
      let computed: Awaited<ReturnType<LocalDatabase['transactionChangeset']>>;
      for (;;) {
        // Upload everything, hold further uploads, and wait until all of it is acknowledged.
        check();
        link.holdUploads(false);
        await link.flushUploads();
        link.holdUploads(true);
        for (;;) {
          check();
          const meta = await link.db.meta();
          check();
          if (meta.ackedClientVersion >= link.uploadedUpTo()) break;
          await new Promise<void>((resolve) => this.wake.push(resolve));
        }
        // Computed on a state with no local change the server lacks (list indices, for one, must
        // mean the same there); a write that slipped in before the hold goes first.
        computed = await link.db.transactionChangeset(req.ops);
        check();
        if (computed.meta.ackedClientVersion >= computed.meta.nextClientVersion - 1) break;
      }
      const { changeset, meta } = computed;
      if (changeset.instructions.length === 0) return { serverVersion: meta.serverVersion };
      const requestId = ++this.seq;
      const pending = new Promise<TransactResult>((resolve, reject) => this.inFlight.set(requestId, { resolve, reject }));
      const reads = req.reads.map((r) => ({ type: r.type, pk: fromStorable(r.pk) as PrimaryKey }));
      if (!link.send({ t: 'TRANSACT', requestId, base: req.base ?? meta.serverVersion, reads, changeset })) {
        this.inFlight.delete(requestId);
        throw lost('not_sent');
      }
      answer = await pending;
    } finally {
      link.holdUploads(false);
      void link.flushUploads().catch(() => {});
    }
    if (answer.status === 'rejected') throw new OutpostError(answer.code, answer.reason, { transaction: 'rejected' });
    await this.reach(answer.serverVersion);
    return { serverVersion: answer.serverVersion };
  }

  /** Resolves once the local download cursor is at `target` (the connection may come and go). */
  private async reach(target: number): Promise<void> {
    if ((await this.link.db.meta()).serverVersion >= target) return;
    await new Promise<void>((resolve, reject) => this.cursorWaiters.push({ target, resolve, reject }));
  }

  /** The server's answer to a TRANSACT. */
  onAnswer(m: TransactResult): void {
    const f = this.inFlight.get(m.requestId);
    if (!f) return;
    this.inFlight.delete(m.requestId);
    f.resolve(m);
  }

  /** A download (or a reset) moved the cursors. */
  onIntegrated(meta: SyncMeta): void {
    this.wakeAll();
    const done = this.cursorWaiters.filter((w) => meta.serverVersion >= w.target);
    if (!done.length) return;
    this.cursorWaiters = this.cursorWaiters.filter((w) => meta.serverVersion < w.target);
    for (const w of done) w.resolve();
  }

  /** The connection dropped: unanswered transactions have an unknown outcome. */
  onDisconnect(): void {
    const pending = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const f of pending) f.reject(lost('unknown'));
    this.wakeAll();
  }

  close(): void {
    this.closed = true;
    this.onDisconnect();
    const err = new OutpostError('database_closed', 'the database was closed');
    for (const w of this.cursorWaiters.splice(0)) w.reject(err);
  }

  private wakeAll(): void {
    const w = this.wake;
    this.wake = [];
    for (const f of w) f();
  }
}
