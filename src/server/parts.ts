import type { AuthService } from './auth/service.ts';
import type { OutpostConfig } from './config/load.ts';
import type { AdminHooks } from './http/admin-routes.ts';
import type { RouteHandler, RouteOptions, UpgradeHandler } from './http/server.ts';
import type { Logger } from './log.ts';
import type { MetricsRegistry } from './metrics.ts';
import type { ServerStore } from './store/types.ts';

/*
 * What the server process (main.ts) and the sync engine (sync/attach.ts) hand each other. The
 * process builds the parts below the engine and starts it; the engine answers with its WebSocket
 * endpoint, its routes and its admin hooks, which the process mounts on the HTTP server it then
 * builds. Neither imports the other, and nothing is filled in after the HTTP server exists.
 */

/** The parts built before the sync engine. */
export interface ServerParts {
  readonly config: OutpostConfig;
  /** The admin API key (also accepted by the data API). */
  readonly adminKey: string | undefined;
  readonly log: Logger;
  readonly store: ServerStore;
  readonly auth: AuthService;
  readonly metrics: MetricsRegistry;
}

export interface SyncRoute {
  readonly method: string;
  readonly path: string;
  readonly handler: RouteHandler;
  readonly options?: RouteOptions;
}

/** What a started sync engine contributes to the HTTP server. */
export interface SyncAttachment {
  /** The WebSocket endpoint: upgrade requests go here. */
  readonly upgrade?: UpgradeHandler;
  /** HTTP routes of the engine (the data API). */
  readonly routes?: readonly SyncRoute[];
  /** Admin API hooks (schema, rules, sessions…) that act on the running engine. */
  readonly adminHooks?: Omit<AdminHooks, 'metricsHistory'>;
  /** Ends the sync sessions (called before the HTTP server and the store close). */
  close(): Promise<void>;
}

/** Starts a sync engine on the parts (`attachSyncEngine` is Outpost's). */
export type SyncAttach = (parts: ServerParts) => Promise<SyncAttachment | void>;
