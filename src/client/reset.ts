import { OutpostError } from '../protocol/index.ts';
import type { ClientResetMode, ResetHandler, ResetInfo, Result, WorkerApi } from '../worker-api/api.ts';
import { toStorable } from '../worker-api/codec.ts';
import type { Schema } from '../model/index.ts';
import { checkPrimaryKey } from '../model/index.ts';
import { fromWire, SyncError } from './errors.ts';
import { snapshotOf, type Snapshot } from './snapshot.ts';
import type { Names } from './realm-names.ts';

/*
 * Client reset as the page sees it (docs/client.md "Client reset"): the configuration, the
 * read-only `before` snapshot handed to the callbacks, and the handler the worker calls back.
 * The worker holding the socket runs the reset and waits for the callbacks of its own tab.
 */

/** `'discard'`, `'recover'` and `'recoverOrDiscard'` are accepted as short forms. */
export type ClientResetModeInput = ClientResetMode | 'discard' | 'recover' | 'recoverOrDiscard';

/** The database as it was before a reset: read-only, valid while onBefore and onAfter run. */
export interface ResetSnapshot {
  objects<T = Record<string, unknown>>(type: string): Promise<readonly Snapshot<T>[]>;
  object<T = Record<string, unknown>>(type: string, pk: unknown): Promise<Snapshot<T> | null>;
}

/** What a finished (or starting) reset did, for the callbacks that want to know. */
export interface ClientResetDetails {
  readonly mode: 'recover' | 'discard';
  /** The server's error that asked for the reset (absent for `db.sync.resetClient()`). */
  readonly error?: SyncError;
  /** onAfter only: instructions recovered, and local changesets the server had not integrated. */
  readonly recovered?: number;
  readonly unsynced?: number;
}

export interface ClientResetConfig<Db = unknown> {
  /** Default `recoverOrDiscardUnsyncedChanges`. */
  readonly mode?: ClientResetModeInput;
  /** Before anything changes; `before` is the current database. The reset waits for it; throwing abandons it (fallback). */
  readonly onBefore?: (before: ResetSnapshot, details: ClientResetDetails) => void | Promise<void>;
  /** After the reset; `before` is the old database, `after` the database itself. */
  readonly onAfter?: (before: ResetSnapshot, after: Db, details: ClientResetDetails) => void | Promise<void>;
  /** No automatic reset (manual mode, a repeated reset, a reset that failed): sync is stopped. */
  readonly onFallback?: (error: SyncError, info: { readonly pendingChanges: number }) => void | Promise<void>;
}

export function normalizeResetMode(mode: ClientResetModeInput | undefined): ClientResetMode {
  switch (mode) {
    case undefined:
    case 'recoverOrDiscard':
    case 'recoverOrDiscardUnsyncedChanges':
      return 'recoverOrDiscardUnsyncedChanges';
    case 'discard':
    case 'discardUnsyncedChanges':
      return 'discardUnsyncedChanges';
    case 'recover':
    case 'recoverUnsyncedChanges':
      return 'recoverUnsyncedChanges';
    case 'manual':
      return 'manual';
    default:
      throw new OutpostError('internal', `unknown client reset mode ${JSON.stringify(mode)}`);
  }
}

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw fromWire(r.error);
  return r.value;
}

function snapshotFor(api: WorkerApi, schema: Schema, resetId: number, names: Names | null | undefined): ResetSnapshot {
  return {
    async objects<T>(type: string) {
      schema.require(type);
      const rows = unwrap(await api.resetSnapshot(resetId, type));
      return Object.freeze(rows.map((r) => snapshotOf<T>(type, r, names)));
    },
    async object<T>(type: string, pk: unknown) {
      const rows = unwrap(await api.resetSnapshot(resetId, type, toStorable(checkPrimaryKey(schema, type, pk))));
      return rows.length ? snapshotOf<T>(type, rows[0]!, names) : null;
    },
  };
}

function details(info: ResetInfo): ClientResetDetails {
  return {
    mode: info.mode,
    ...(info.error ? { error: SyncError.from(info.error) } : {}),
    ...(info.recovered !== undefined ? { recovered: info.recovered } : {}),
    ...(info.unsynced !== undefined ? { unsynced: info.unsynced } : {}),
  };
}

/** The callbacks the worker calls (through Comlink in a browser), bound to the app's config. */
export function resetHandler<Db>(api: () => WorkerApi, schema: Schema, db: Db, config: ClientResetConfig<Db> | undefined, names?: Names | null): ResetHandler {
  return {
    before: async (info) => {
      await config?.onBefore?.(snapshotFor(api(), schema, info.resetId, names), details(info));
    },
    after: async (info) => {
      await config?.onAfter?.(snapshotFor(api(), schema, info.resetId, names), db, details(info));
    },
    fallback: async (info) => {
      await config?.onFallback?.(SyncError.from(info.error), { pendingChanges: info.pendingChanges });
    },
  };
}
