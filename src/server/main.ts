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
import { openStore } from './store/open.ts';
import type { ServerStore } from './store/types.ts';
import { attachSyncEngine } from './sync/attach.ts';

/*
 * The server process: configuration, logs, store, auth, metrics, HTTP. The sync engine attaches
 * through `attachSync` (see SyncAttach below): it receives every piece, mounts its WebSocket
 * endpoint with `http.onUpgrade` and its HTTP routes with `http.route`, and returns what to close
 * on shutdown and, optionally, admin hooks for live schema/rules changes.
 */

export interface ServerParts {
  readonly config: OutpostConfig;
  /** The admin API key (also accepted by the data API). */
  readonly adminKey: string | undefined;
  readonly log: Logger;
  readonly store: ServerStore;
  readonly auth: AuthService;
  readonly metrics: MetricsRegistry;
  readonly http: OutpostHttpServer;
}

export interface SyncAttachment {
  /** Admin API hooks (schema, rules) that apply changes to the running engine. */
  readonly adminHooks?: AdminHooks;
  /** Ends the sync sessions (called before the HTTP server and the store close). */
  close(): Promise<void>;
}

/**
 * THE SYNC ENGINE HOOK. The lead's wiring goes here, e.g.:
 *
 *   // Rules set through the admin API (stored) win over the configured ones.
 *   const roles = await currentRules(store, config.roles);
 *   const engine = await SyncEngine.open({ store, schema: config.schema, developmentMode: config.developmentMode,
 *     queryable: config.queryableFields, rules: rulesFromConfig({ roles }), metrics: createSyncMetrics(metrics) });
 *   const endpoint = createSyncEndpoint({ engine, auth, log, allowedOrigins: config.allowedOrigins,
 *     maxSessions: config.limits.maxSessions, limits: sessionLimitsFromConfig(config) });
 *   http.onUpgrade((req, socket, head) => endpoint.handleUpgrade(req, socket, head));
 *   return { close: () => endpoint.close(), adminHooks: { setSchema: …, setRules: … } };
 */
export type SyncAttach = (parts: ServerParts) => Promise<SyncAttachment | void>;

export interface StartOptions {
  readonly config?: OutpostConfig;
  readonly argv?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log?: Logger;
  readonly attachSync?: SyncAttach;
}

export interface RunningServer extends ServerParts {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const config = options.config ?? loadConfig({ ...(options.argv ? { argv: options.argv } : {}), ...(options.env ? { env: options.env } : {}) });
  const log = options.log ?? createLogger({ level: config.logLevel });
  const store = await openStore(config.storeSpec, {
    ...(config.store.kind === 'postgres' ? { pgSchema: config.store.schema, pgPoolSize: config.store.poolSize, pgTimeouts: config.store.timeouts } : {}),
    onError: (err, where) => log.warn({ err: err.message, where }, 'store background error'),
  });
  try {
    if (config.developmentMode) {
      log.warn({}, 'development mode is ON (asked for by the configuration, OUTPOST_DEV or --dev): secrets are generated and kept in the data directory, and clients\u2019 schemas add types and fields. Never use it in production.');
    }
    const secrets = await resolveSecrets(config, store);
    for (const note of secrets.notes) log.info({}, `development secret: ${note}`);
    const auth = new AuthService(authOptionsFromConfig(config, secrets, store));
    const metrics = new MetricsRegistry();
    const stopProcessMetrics = registerProcessMetrics(metrics);
    let attachment: SyncAttachment | void = undefined;
    // The last hour of the server's own metrics, for the dashboard's charts.
    const history = new MetricsHistory(metrics);
    history.start();
    const hooks: AdminHooks = {
      metricsHistory: () => ({ intervalMs: history.intervalMs, samples: history.samples() }),
      setSchema: (schema, o) => (attachment?.adminHooks?.setSchema ? attachment.adminHooks.setSchema(schema, o) : store.transaction((tx) => tx.setSchema(schema))),
      setRules: (rules) => (attachment?.adminHooks?.setRules ? attachment.adminHooks.setRules(rules) : store.setSetting('rules', rules)),
      compact: () => {
        if (!attachment?.adminHooks?.compact) throw new OutpostError('internal', 'the sync engine is not running');
        return attachment.adminHooks.compact();
      },
      resetClients: (selector, reason) => {
        if (!attachment?.adminHooks?.resetClients) throw new OutpostError('internal', 'the sync engine is not running');
        return attachment.adminHooks.resetClients(selector, reason);
      },
      sessions: () => attachment?.adminHooks?.sessions?.() ?? [],
      disconnect: (clientFile) => attachment?.adminHooks?.disconnect?.(clientFile) ?? 0,
      dryRun: (rules, userId, type) => {
        if (!attachment?.adminHooks?.dryRun) throw new OutpostError('internal', 'the sync engine is not running');
        return attachment.adminHooks.dryRun(rules, userId, type);
      },
    };
    const http = createHttpServer({ config, store, auth, metrics, log, adminKey: secrets.adminKey, adminHooks: hooks });
    const parts: ServerParts = { config, log, store, auth, metrics, http, adminKey: secrets.adminKey };
    attachment = options.attachSync ? await options.attachSync(parts) : undefined;
    if (!options.attachSync) log.warn({}, 'no sync engine attached: serving HTTP (auth, admin, health, metrics) only');
    const { port, url } = await http.listen(config.port, config.host);
    const prune = setInterval(() => {
      auth.pruneExpired().catch((err: Error) => log.warn({ err: err.message }, 'pruning refresh tokens failed'));
    }, 3_600_000);
    prune.unref();
    log.info({ url, store: store.dialect, location: store.location, developmentMode: config.developmentMode }, 'outpost server listening');
    let closing: Promise<void> | undefined;
    return {
      ...parts,
      url,
      port,
      close() {
        closing ??= (async () => {
          clearInterval(prune);
          history.stop();
          if (attachment) await attachment.close();
          await http.close();
          stopProcessMetrics();
          await store.close();
          log.info({}, 'outpost server stopped');
        })();
        return closing;
      },
    };
  } catch (err) {
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
