import { OutpostError } from '../errors.ts';
import type { ConnectionState, SyncProgress, WorkerEvent } from '../worker-api/api.ts';
import type { LocalDatabase } from './local-db.ts';
import type { TabBus } from './tab-bus.ts';

/*
 * The sync status one tab's page sees: the connection state, the progress and the client file's
 * identity (the leader's own, the other tabs' from the leader over the channel), and the
 * `waitForUpload` callers waiting for the acknowledgement of what was written up to their call.
 */

export function withTimeout<T>(p: Promise<T>, timeoutMs: number | null, what: string): Promise<T> {
  if (timeoutMs === null || !Number.isFinite(timeoutMs)) return p;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new OutpostError('timeout', `${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export class SyncStatus {
  connection: ConnectionState = 'disconnected';
  progress: SyncProgress | undefined;
  private fileIdent: number | null = null;
  private dbId = '';
  private uploadWaiters: { target: number; resolve: () => void }[] = [];

  /** @param db the open database (undefined once closed). */
  constructor(
    private readonly bus: TabBus,
    private readonly emit: (e: WorkerEvent) => void,
    private readonly isLeader: () => boolean,
    private readonly db: () => LocalDatabase | undefined,
  ) {
    bus.on('state', (m) => {
      if (this.isLeader()) return;
      if (m.connection !== this.connection) {
        this.connection = m.connection;
        this.emit({ kind: 'connection', state: m.connection });
      }
      if (m.progress) this.setProgress(m.progress, false);
    });
    bus.on('identity', (m) => this.identity(m.fileIdent, false));
    bus.on('hello', () => {
      if (this.isLeader()) this.bus.post({ kind: 'state', connection: this.connection, progress: this.progress ?? null });
    });
  }

  opened(dbId: string, fileIdent: number | null, progress: SyncProgress): void {
    this.dbId = dbId;
    this.fileIdent = fileIdent;
    this.progress = progress;
  }

  /** The leader's connection changed. */
  connectionChanged(state: ConnectionState): void {
    this.connection = state;
    this.emit({ kind: 'connection', state });
    this.bus.post({ kind: 'state', connection: state, progress: this.progress ?? null });
  }

  setProgress(p: SyncProgress, broadcast: boolean): void {
    this.progress = p;
    this.emit({ kind: 'progress', progress: p });
    if (broadcast) this.bus.post({ kind: 'state', connection: this.connection, progress: p });
    this.resolveUploadWaiters(p.acknowledgedClientVersion);
  }

  /** The client file's ident (the leader's session tells the other tabs: `broadcast`). */
  identity(fileIdent: number, broadcast: boolean): void {
    void this.identityChanged(fileIdent);
    this.emit({ kind: 'identity', dbId: this.dbId, fileIdent });
    if (broadcast) this.bus.post({ kind: 'identity', fileIdent });
  }

  /** Resolves once every local change committed before the call is acknowledged by the server. */
  async waitForUpload(db: LocalDatabase, timeoutMs: number | null): Promise<void> {
    const meta = await db.meta();
    const target = meta.nextClientVersion - 1;
    if (meta.ackedClientVersion < target && (this.progress?.acknowledgedClientVersion ?? 0) < target) {
      await withTimeout(new Promise<void>((resolve) => this.uploadWaiters.push({ target, resolve })), timeoutMs, 'waitForUpload');
    }
  }

  /** The database closed: nobody waits any more. */
  close(): void {
    for (const w of this.uploadWaiters) w.resolve();
    this.uploadWaiters = [];
  }

  private resolveUploadWaiters(acked: number): void {
    const done = this.uploadWaiters.filter((w) => acked >= w.target);
    if (done.length) {
      this.uploadWaiters = this.uploadWaiters.filter((w) => acked < w.target);
      for (const w of done) w.resolve();
    }
  }

  /**
   * A client reset gave the database a new file ident and restarted its client versions (the
   * recovered changes, if any, are version 1): `waitForUpload` callers now wait for those.
   */
  private async identityChanged(fileIdent: number): Promise<void> {
    const before = this.fileIdent;
    this.fileIdent = fileIdent;
    const db = this.db();
    if (before === null || before === fileIdent || !db) return;
    const meta = await db.meta();
    for (const w of this.uploadWaiters) w.target = meta.nextClientVersion - 1;
    this.resolveUploadWaiters(meta.ackedClientVersion);
  }
}
