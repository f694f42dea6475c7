import type { ClientMessage } from '../../protocol/index.ts';
import type { ResetFallbackInfo, SyncErrorInfo, SyncProgress } from '../../worker-api/api.ts';
import type { IntegrationResult } from '../local-db.ts';
import type { SyncMeta } from '../store.ts';
import type { ResetHooks } from './run.ts';

/*
 * The one interface between the sync session and its client-reset controller (controller.ts):
 * what a reset may do to the session's connection, and the session events it reports through.
 * The session implements both; the controller never sees the rest of the session.
 */

export interface ConnectionControl {
  /** The connection's generation: it changes with every new socket, so a stale reset can tell. */
  readonly generation: number;
  /** The session was closed for good. */
  readonly closed: boolean;
  /** Sync is stopped (by a reset's fallback, or by the app before a reset it asked for). */
  stopped: boolean;
  send(m: ClientMessage): boolean;
  drop(cause: string, hintMs?: number, immediate?: boolean): void;
  /** Drops the current connection (if any) and connects again at once. */
  reconnectNow(): void;
  /** After a reset applied on this connection: go on as an identified session. */
  identified(subVersion: number): Promise<void>;
  /** The reset moved the cursors (transactions waiting for a version, the backoff). */
  applied(meta: SyncMeta): void;
}

/** The session events a client reset reports through (a part of the session's own events). */
export interface ResetEvents {
  integrated(result: IntegrationResult): void;
  progress(progress: SyncProgress): void;
  identity(fileIdent: number): void;
  subscriptions(): void;
  error(error: SyncErrorInfo): void;
  /** The page's callbacks and the snapshot's source. */
  reset: Omit<ResetHooks, 'applied' | 'warn'>;
  resetFallback(info: ResetFallbackInfo): void;
}
