import { OutpostError } from '../errors.ts';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AuthService } from './auth/service.ts';
import { ConfigError, loadConfig, type OutpostConfig } from './config/load.ts';
import { authOptionsFromConfig, resolveSecrets } from './config/secrets.ts';
import { createHttpServer } from './http/app.ts';
import type { AdminHooks } from './http/admin-routes.ts';
import { MetricsHistory } from './metrics-history.ts';
import type { OutpostHttpServer } from './http/server.ts';
import { createLogger, type Logger } from './log.ts';
import { MetricsRegistry, registerProcessMetrics } from './metrics.ts';
import type { ServerParts, SyncAttach, SyncAttachment } from './parts.ts';
import { openStore } from './store/open.ts';
import type { ServerStore } from './store/types.ts';
import { attachSyncEngine } from './sync/attach.ts';
import { defaultNodeId, LocalNodes, type NodesView } from './cluster/nodes.ts';
import { PgNodes } from './cluster/pg-nodes.ts';

/*
 * The server process, assembled in one direction: configuration and logs, the store, auth and
 * metrics (the ServerParts), then the sync engine on those parts (`attachSync`, see parts.ts),
 * then the HTTP server with the engine's WebSocket endpoint, routes and admin hooks, then listen.
 */

export type { ServerParts, SyncAttach, SyncAttachment } from './parts.ts';

export interface StartOptions {
  readonly config?: OutpostConfig;
  readonly argv?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log?: Logger;
  readonly attachSync?: SyncAttach;
}

export interface RunningServer extends ServerParts {
  readonly http: OutpostHttpServer;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The admin API's hooks: the engine's where it has them; without an engine, schema and rules are
 * stored and the operations that need a running engine are refused.
 */
function adminHooks(store: ServerStore, history: MetricsHistory, engine: SyncAttachment['adminHooks']): AdminHooks {
  const needEngine = (): never => {
    throw new OutpostError('internal', 'the sync engine is not running');
  };
  return {
    metricsHistory: () => ({ intervalMs: history.intervalMs, samples: history.samples() }),
    setSchema: (schema, o) => (engine?.setSchema ? engine.setSchema(schema, o) : store.transaction((tx) => tx.setSchema(schema))),
    setRules: (rules) => (engine?.setRules ? engine.setRules(rules) : store.setSetting('rules', rules)),
    compact: () => (engine?.compact ? engine.compact() : needEngine()),
    resetClients: (selector, reason) => (engine?.resetClients ? engine.resetClients(selector, reason) : needEngine()),
    retireClientFile: (clientFile) => (engine?.retireClientFile ? engine.retireClientFile(clientFile) : needEngine()),
    sessions: () => engine?.sessions?.() ?? [],
    disconnect: (clientFile) => engine?.disconnect?.(clientFile) ?? 0,
    dryRun: (rules, userId, type) => (engine?.dryRun ? engine.dryRun(rules, userId, type) : needEngine()),
  };
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const config = options.config ?? loadConfig({ ...(options.argv ? { argv: options.argv } : {}), ...(options.env ? { env: options.env } : {}) });
  const log = options.log ?? createLogger({ level: config.logLevel });
  const store = await openStore(config.storeSpec, {
    ...(config.store.kind === 'postgres' ? { pgSchema: config.store.schema, pgPoolSize: config.store.poolSize, pgTimeouts: config.store.timeouts } : {}),
    onError: (err, where) => log.warn({ err: err.message, where }, 'store background error'),
  });
  let attachment: SyncAttachment | void = undefined;
  let stopProcessMetrics: (() => void) | undefined;
  let history: MetricsHistory | undefined;
  let nodes: NodesView | undefined;
  try {
    if (config.developmentMode) {
      log.warn({}, 'development mode is ON (asked for by the configuration, OUTPOST_DEV or --dev): secrets are generated and kept in the data directory, and clients\u2019 schemas add types and fields. Never use it in production.');
    }
    const secrets = await resolveSecrets(config, store);
    for (const note of secrets.notes) log.info({}, `development secret: ${note}`);
    const auth = new AuthService(authOptionsFromConfig(config, secrets, store));
    const metrics = new MetricsRegistry();
    const stopMetrics = (stopProcessMetrics = registerProcessMetrics(metrics));
    // The last hour of the server's own metrics, for the dashboard's charts.
    const hist = (history = new MetricsHistory(metrics));
    const parts: ServerParts = { config, log, store, auth, metrics, adminKey: secrets.adminKey };
    const sync = (attachment = options.attachSync ? await options.attachSync(parts) : undefined);
    const hooks = adminHooks(store, hist, sync?.adminHooks);
    // Every node's sessions and metrics for the dashboard: through PostgreSQL when nodes share one.
    const local = { sessions: () => hooks.sessions!(), disconnect: (f: number) => hooks.disconnect!(f), samples: () => hist.samples() };
    const nodeId = config.nodeId ?? defaultNodeId();
    const view = (nodes =
      config.store.kind === 'postgres'
        ? await PgNodes.start({ connection: config.storeSpec, schema: config.store.schema, nodeId, local, onError: (err) => log.warn({ err: err.message }, 'node view background error') })
        : new LocalNodes(nodeId, local));
    hooks.nodes = view;
    hist.onSample = (sample) => view.published(sample);
    hist.start();
    if (!options.attachSync) log.warn({}, 'no sync engine attached: serving HTTP (auth, admin, health, metrics) only');
    const http = createHttpServer({ config, store, auth, metrics, log, adminKey: secrets.adminKey, adminHooks: hooks });
    for (const r of sync?.routes ?? []) http.route(r.method, r.path, r.handler, r.options);
    if (sync?.upgrade) http.onUpgrade(sync.upgrade);
    const { port, url } = await http.listen(config.port, config.host);
    const prune = setInterval(() => {
      auth.pruneExpired().catch((err: Error) => log.warn({ err: err.message }, 'pruning refresh tokens failed'));
    }, 3_600_000);
    prune.unref();
    log.info({ url, store: store.dialect, location: store.location, developmentMode: config.developmentMode }, 'outpost server listening');
    let closing: Promise<void> | undefined;
    return {
      ...parts,
      http,
      url,
      port,
      close() {
        closing ??= (async () => {
          clearInterval(prune);
          hist.stop();
          await view.close();
          if (sync) await sync.close();
          await http.close();
          stopMetrics();
          await store.close();
          log.info({}, 'outpost server stopped');
        })();
        return closing;
      },
    };
  } catch (err) {
    history?.stop();
    await nodes?.close().catch(() => {});
    stopProcessMetrics?.();
    if (attachment) await attachment.close().catch(() => {});
    await store.close().catch(() => {});
    throw err;
  }
}

export interface MainOptions {
  /** The plain-text block printed once the server listens (default: its address and store). */
  readonly banner?: (server: RunningServer, address: string) => string;
}

/** The address to open: `localhost` when the server listens on every interface or on loopback. */
function openAddress(server: RunningServer): string {
  const local = ['0.0.0.0', '::', '127.0.0.1', 'localhost'].includes(server.config.host);
  return local ? `http://localhost:${server.port}` : server.url;
}

function defaultBanner(server: RunningServer, address: string): string {
  return `\nOutpost sync server: ${address}  (app ${server.config.appId}, ${server.store.dialect} store at ${server.store.location})\n\n`;
}

/** The command-line entry point (bin/outpost-server.js, `tsx src/server/main.ts`, scripts/start-demo.ts). */
export async function main(options: MainOptions = {}): Promise<void> {
  let server: RunningServer;
  try {
    server = await startServer({ argv: process.argv.slice(2), attachSync: attachSyncEngine });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`outpost: ${err.message}\n`);
      process.exit(2);
    }
    const e = err as NodeJS.ErrnoException & { port?: number };
    if (e.code === 'EADDRINUSE') {
      process.stderr.write(
        `outpost: port ${e.port ?? ''} is already in use (another Outpost server, or another program).\n` +
          `Pick another port with --port <n> (npm start -- --port 8081) or OUTPOST_PORT=<n>, or set "port" in the config file.\n`,
      );
      process.exit(1);
    }
    process.stderr.write(`outpost: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write((options.banner ?? defaultBanner)(server, openAddress(server)));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (err: Error) => {
        server.log.error({ err: err.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const isEntry = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();
if (isEntry) void main();
