import { OutpostError } from '../errors.ts';
import { checkPrimaryKey } from '../model/index.ts';
import { LIMITS } from '../protocol/index.ts';
import type { AuthBridge, ClientResetMode, OpenRequest, ResetHandler, Result, Storable, StoredRecord, TransactRequest, WorkerEvent } from '../worker-api/api.ts';
import { fromStorable } from '../worker-api/codec.ts';
import type { ConflictList } from './conflict-list.ts';
import type { Leadership } from './leader.ts';
import type { IntegrationResult, LocalDatabase } from './local-db.ts';
import { readSnapshot } from './reset/storage.ts';
import { SyncSession } from './session.ts';
import type { SyncStatus } from './sync-status.ts';
import type { TabBus } from './tab-bus.ts';
import { subprotocolSockets, type SocketFactory } from './transport.ts';

/*
 * One tab's link to the server: its own sync session while it holds the sync lock, the leader's
 * over the channel otherwise. Whatever needs the socket (a download mark, pause/resume/online,
 * a serialized transaction, a client reset) runs on the session here or is forwarded to the leader
 * (leader.ts). The session's events go to the sync status, the conflicts and this tab's page.
 */

/** What the host does with the session's events that concern its data. */
export interface LinkHooks {
  emit(e: WorkerEvent): void;
  integrated(result: IntegrationResult): void;
  subscriptions(): void;
}

export class SyncLink {
  session: SyncSession | undefined;
  /** The `before` snapshot of the reset running in this worker, while its callbacks run. */
  private snapshot: { id: number; source: 'objects' | 'backup' } | undefined;

  constructor(
    private readonly bus: TabBus,
    private readonly tabs: Leadership,
    private readonly status: SyncStatus,
    private readonly conflicts: ConflictList,
    private readonly hooks: LinkHooks,
  ) {}

  /** This tab took the database's sync lock: its session starts. */
  lead(db: LocalDatabase, request: OpenRequest, bridge: AuthBridge | null, resetHandler: ResetHandler | null, options: { sockets?: SocketFactory; random?: () => number }): void {
    const sync = request.sync!;
    this.hooks.emit({ kind: 'leader', isLeader: true });
    const auth: AuthBridge = bridge ?? {
      getAccessToken: async () => ({ ok: false, error: { code: 'unauthorized', message: 'no user to sync as' } }),
    };
    this.session = new SyncSession({
      db,
      url: sync.url,
      schema: request.schema,
      auth,
      sockets: options.sockets ?? subprotocolSockets(),
      ...(sync.timings ? { timings: sync.timings } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(sync.clientReset ? { clientReset: sync.clientReset.mode } : {}),
      events: {
        connection: (state) => this.status.connectionChanged(state),
        integrated: (result) => this.hooks.integrated(result),
        progress: (p) => this.status.setProgress(p, true),
        identity: (fileIdent) => this.status.identity(fileIdent, true),
        subscriptions: () => this.hooks.subscriptions(),
        conflicts: (replace, entries) => this.conflicts.received(replace, entries),
        error: (error) => {
          this.hooks.emit({ kind: 'error', error });
          this.bus.post({ kind: 'syncError', error });
        },
        // The callbacks run on this tab's page; the reset waits for them.
        reset: {
          before: async (info) => resetHandler?.before(info),
          after: async (info) => resetHandler?.after(info),
          phase: (id, source) => {
            this.snapshot = source ? { id, source } : undefined;
          },
        },
        resetFallback: (info) => void resetHandler?.fallback(info)?.catch(() => {}),
      },
    });
    this.session.start();
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }

  waitForDownload(): Promise<void> {
    return this.session ? this.session.waitForDownload() : this.tabs.requestMark();
  }

  control(action: 'pause' | 'resume' | 'online'): void {
    if (!this.session) this.bus.post({ kind: 'control', action });
    else if (action === 'pause') this.session.pause();
    else if (action === 'resume') this.session.resume();
    else this.session.online();
  }

  /** Whether a serialized transaction can run now (`synced`: the database syncs at all). */
  transactReady(synced: boolean): boolean {
    return this.session ? this.session.canTransact : synced && this.status.connection === 'connected';
  }

  async transact(db: LocalDatabase, request: TransactRequest, synced: boolean): Promise<Result<{ serverVersion: number }>> {
    // The page built this request, but the worker API is an edge of its own: a bad read key or
    // base is a typed error here, not a frame the server closes the session over.
    for (const r of request.reads) checkPrimaryKey(db.schema, r.type, fromStorable(r.pk));
    if (request.base !== null && !(Number.isSafeInteger(request.base) && request.base >= 0)) {
      throw new OutpostError('bad_changeset', `a serialized transaction's base version must be a non-negative integer, not ${String(request.base)}`);
    }
    if (request.reads.length > LIMITS.maxTransactReads) {
      throw new OutpostError('bad_changeset', `a serialized transaction may read at most ${LIMITS.maxTransactReads} objects`);
    }
    if (!synced) throw new OutpostError('offline', 'a serialized transaction needs a synced database');
    if (this.session) return { ok: true, value: await this.session.transact(request) };
    if (this.status.connection !== 'connected') throw new OutpostError('offline', 'a serialized transaction needs a connection to the server');
    return await this.tabs.forward<{ serverVersion: number }>('transact', (id) => ({ kind: 'transact', id, request }));
  }

  async resetClient(mode: ClientResetMode, synced: boolean): Promise<Result<null>> {
    if (!synced) throw new OutpostError('offline', 'a client reset needs a synced database');
    if (this.session) {
      await this.session.resetClient(mode);
      return { ok: true, value: null };
    }
    return await this.tabs.forward<null>('reset', (id) => ({ kind: 'resetRequest', id, mode }));
  }

  /** The objects as they were before the reset whose callbacks are running. */
  resetSnapshot(db: LocalDatabase, resetId: number, type: string, pk?: Storable): Promise<StoredRecord[]> {
    db.schema.require(type);
    const snap = this.snapshot;
    if (!snap || snap.id !== resetId) {
      throw new OutpostError('not_found', 'the pre-reset snapshot is only available while the onBefore and onAfter callbacks run');
    }
    return readSnapshot(db, snap.source, type, pk === undefined ? undefined : checkPrimaryKey(db.schema, type, fromStorable(pk)));
  }
}
