import type { ClientResetMode, Result, TransactRequest, WireError } from '../worker-api/api.ts';
import type { TabMessage } from './channel.ts';
import type { LockManagerLike } from './locks.ts';
import type { TabBus } from './tab-bus.ts';

/*
 * Which tab's worker holds the database's sync lock (and so the socket), and the requests the
 * other tabs forward to it: download marks, pause/resume/online, serialized transactions and
 * client resets. A follower keeps what it forwarded until the answer comes back; when a new leader
 * takes over it asks again for the marks, and fails the transactions (their fate is unknown) and
 * resets (they did not finish).
 */

/** What the leader does for the other tabs (its sync session, through the host's API). */
export interface LeaderWork {
  waitForDownload(): Promise<void>;
  control(action: 'pause' | 'resume' | 'online'): void;
  transact(request: TransactRequest): Promise<Result<{ serverVersion: number }>>;
  resetClient(mode: ClientResetMode): Promise<Result<null>>;
}

type Forwarded = 'transact' | 'reset';

let hostSeq = 0;

export class Leadership {
  private leader = false;
  private readonly abort = new AbortController();
  private release: (() => void) | undefined;
  /** Transactions and resets this tab forwarded to the tab holding the socket, by request id. */
  private readonly remote = new Map<string, { kind: Forwarded; settle: (r: Result<unknown>) => void }>();
  private readonly markWaiters = new Map<string, () => void>();
  private readonly id = `${Date.now().toString(36)}.${++hostSeq}.${Math.random().toString(36).slice(2, 8)}`;
  private seq = 0;

  /** @param work the leader's side: defined while this tab holds the socket. */
  constructor(
    private readonly bus: TabBus,
    work: () => LeaderWork | undefined,
  ) {
    bus.on('markRequest', (m) => {
      work()?.waitForDownload().then(
        () => bus.post({ kind: 'markDone', id: m.id }),
        () => {},
      );
    });
    bus.on('markDone', (m) => {
      this.markWaiters.get(m.id)?.();
      this.markWaiters.delete(m.id);
    });
    bus.on('control', (m) => work()?.control(m.action));
    bus.on('transact', (m) => {
      void work()?.transact(m.request).then((result) => bus.post({ kind: 'transactDone', id: m.id, result }));
    });
    bus.on('resetRequest', (m) => {
      void work()?.resetClient(m.mode).then((result) => bus.post({ kind: 'resetDone', id: m.id, result }));
    });
    const answered = (m: Extract<TabMessage, { kind: 'transactDone' | 'resetDone' }>) => {
      const r = this.remote.get(m.id);
      this.remote.delete(m.id);
      r?.settle(m.result);
    };
    bus.on('transactDone', answered);
    bus.on('resetDone', answered);
    bus.on('leader', () => {
      // A new leader: ask it again for whatever this tab was waiting on. A forwarded
      // transaction's fate is unknown (the old leader may have sent it); a reset did not finish.
      for (const id of this.markWaiters.keys()) bus.post({ kind: 'markRequest', id });
      this.settle((k) => k === 'transact', { code: 'connection_lost', message: 'the tab holding the connection went away before the transaction was answered', details: { outcome: 'unknown' } });
      this.settle((k) => k === 'reset', { code: 'connection_lost', message: 'the tab holding the connection went away before the client reset finished' });
    });
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /** Waits for the database's sync lock; once held, `lead` starts the sync session and the other tabs hear of it. */
  elect(locks: LockManagerLike, name: string, closed: () => boolean, lead: () => void): void {
    locks
      .request(`outpost-sync:${name}`, { mode: 'exclusive', signal: this.abort.signal }, async () => {
        if (closed()) return;
        this.leader = true;
        lead();
        this.bus.post({ kind: 'leader' });
        await new Promise<void>((resolve) => (this.release = resolve));
      })
      .catch(() => {});
  }

  /** A follower's wait for the leader's next download to be integrated. */
  requestMark(): Promise<void> {
    const id = this.nextId();
    const p = new Promise<void>((resolve) => this.markWaiters.set(id, resolve));
    this.bus.post({ kind: 'markRequest', id });
    return p;
  }

  /** Runs a request in the tab holding the socket, over the channel. */
  forward<T>(kind: Forwarded, message: (id: string) => TabMessage): Promise<Result<T>> {
    const id = this.nextId();
    return new Promise<Result<T>>((resolve) => {
      this.remote.set(id, { kind, settle: resolve as (r: Result<unknown>) => void });
      this.bus.post(message(id));
    });
  }

  /** Gives up the lock (or the wait for it). */
  resign(): void {
    this.release?.();
    this.abort.abort();
  }

  /** The database closed: every forwarded request fails. */
  closed(): void {
    this.settle(() => true, { code: 'database_closed', message: 'the database was closed' });
  }

  private nextId(): string {
    return `${this.id}:${++this.seq}`;
  }

  private settle(which: (kind: Forwarded) => boolean, error: WireError): void {
    for (const [id, r] of [...this.remote]) {
      if (!which(r.kind)) continue;
      this.remote.delete(id);
      r.settle({ ok: false, error });
    }
  }
}
