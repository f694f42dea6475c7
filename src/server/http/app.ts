import { timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OutpostError } from '../../errors.ts';
import type { AuthService } from '../auth/service.ts';
import type { OutpostConfig } from '../config/load.ts';
import type { Logger } from '../log.ts';
import type { MetricsRegistry } from '../metrics.ts';
import type { ServerStore } from '../store/types.ts';
import { mountAdminRoutes, type AdminHooks } from './admin-routes.ts';
import { mountAuthRoutes } from './auth-routes.ts';
import { createHttpCore, type OutpostHttpServer } from './server.ts';

export interface HttpServerOptions {
  readonly config: Pick<OutpostConfig, 'allowedOrigins' | 'limits' | 'staticDir' | 'schema' | 'roles' | 'developmentMode' | 'queryableFields'> & {
    /** Partition-based sync settings, published to clients by `GET /api/sync/config`. */
    readonly partition?: OutpostConfig['partition'];
    readonly adminDir?: string | undefined;
    /** `/metrics` answers only `Authorization: Bearer <metricsToken>`; without one it is refused. */
    readonly metricsToken?: string | undefined;
    /** User ids or emails with the dashboard's admin role (admin-users.ts). */
    readonly adminUsers?: readonly string[];
  };
  readonly store: ServerStore;
  readonly auth: AuthService;
  readonly metrics: MetricsRegistry;
  readonly log: Logger;
  /** The admin key (configured or generated); the admin API is refused without one. */
  readonly adminKey?: string | undefined;
  /** How schema and rules changes from the admin API reach the running sync engine. */
  readonly adminHooks?: AdminHooks;
  /** Reported by /api/health; default: package.json's version. */
  readonly version?: string;
}

/** dist/admin next to the sources (src/server/http) or inside the published build (dist/server/http). */
function defaultAdminDir(): string | undefined {
  for (const rel of ['../../../dist/admin/', '../../admin/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir + 'index.html')) return dir;
  }
  return undefined;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const HEALTH_TIMEOUT_MS = 2000;

/**
 * The HTTP server with its built-in routes: auth (docs/protocol.md section 1), admin, health
 * and metrics. The sync engine adds its own with `route` and `onUpgrade`.
 */
export function createHttpServer(options: HttpServerOptions): OutpostHttpServer {
  const { config, store, auth, metrics, log } = options;
  const http = createHttpCore({ config, metrics, log, adminDir: config.adminDir ?? defaultAdminDir() });
  const version = options.version ?? packageVersion();

  http.route('GET', '/api/health', async () => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        store.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), HEALTH_TIMEOUT_MS);
        }),
      ]);
      return { status: 200, body: { status: 'ok', store: store.dialect, version } };
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'health check: the store is unreachable');
      return { status: 503, body: { status: 'unavailable', store: store.dialect, version, error: { code: 'internal', message: 'the store is unreachable' } } };
    } finally {
      clearTimeout(timer);
    }
  });

  // What a client opened with `sync: { partitionValue }` needs: the key's name and type (not the rules).
  http.route('GET', '/api/sync/config', async () => ({
    status: 200,
    body: { partition: config.partition ? { key: config.partition.key, type: config.partition.type } : null },
  }));

  http.route('GET', '/metrics', (ctx) => {
    // The figures describe the deployment (sessions, users' activity, errors): not public.
    const expected = config.metricsToken;
    if (expected === undefined) throw new OutpostError('permission_denied', 'metrics are off: configure a metrics token (metricsToken or OUTPOST_METRICS_TOKEN)');
    const given = Buffer.from(ctx.bearer() ?? '');
    const want = Buffer.from(expected);
    if (given.length !== want.length || !timingSafeEqual(given, want)) throw new OutpostError('unauthorized', 'GET /metrics needs Authorization: Bearer <metrics token>');
    const text = metrics.render();
    ctx.res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store', 'Content-Length': String(Buffer.byteLength(text)) });
    ctx.res.end(ctx.req.method === 'HEAD' ? undefined : text);
  });

  mountAuthRoutes(http, auth, metrics);
  mountAdminRoutes(http, store, auth, {
    adminKey: options.adminKey,
    adminUsers: config.adminUsers ?? [],
    schema: config.schema,
    roles: config.roles,
    developmentMode: config.developmentMode,
    queryableFields: config.queryableFields,
    ...(options.adminHooks ? { hooks: options.adminHooks } : {}),
  });

  return http;
}
