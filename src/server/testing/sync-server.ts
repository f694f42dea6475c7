import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObjectSchemaInput } from '../../model/index.ts';
import { OutpostError } from '../../errors.ts';
import type { QueryableFields } from '../../query/index.ts';
import { MemoryStore } from '../store/memory.ts';
import type { SyncStore } from '../store/types.ts';
import { SyncEngine, type EngineOptions } from '../sync/engine.ts';
import type { RulesSpec } from '../sync/roles.ts';
import type { SessionAuth, SessionLimits } from '../sync/session.ts';
import { createSyncEndpoint, type SyncEndpoint } from '../sync/websocket.ts';

/*
 * An in-process sync server for tests of the engine: a real HTTP server and WebSocket endpoint
 * on a random port, over a store (in memory by default), with test tokens instead of the auth
 * service (`user:<id>:<expiresAtMs>`). Tests of the whole server process use the real auth.
 */

export interface SyncTestServer {
  readonly url: string;
  readonly engine: SyncEngine;
  readonly endpoint: SyncEndpoint;
  readonly store: SyncStore;
  /** A test access token for a user, valid for `ttlMs`. */
  token(userId: string, ttlMs?: number): string;
  close(): Promise<void>;
}

export interface SyncTestServerOptions {
  schema: readonly ObjectSchemaInput[];
  rules?: RulesSpec;
  queryable?: QueryableFields;
  developmentMode?: boolean;
  store?: SyncStore;
  allowedOrigins?: readonly string[] | '*';
  limits?: Partial<SessionLimits>;
  customData?: Record<string, Record<string, unknown>>;
  /** Engine batch sizes (bootstrap pages, download bytes). */
  engine?: Pick<EngineOptions, 'bootstrapBatch' | 'downloadBytes' | 'downloadRows'>;
}

export const testAuth = (customData: Record<string, Record<string, unknown>> = {}): SessionAuth => ({
  async verifyAccessToken(token) {
    const m = /^user:([^:]+):(\d+)$/.exec(token);
    if (!m) throw new OutpostError('unauthorized', 'not a test token');
    const expiresAt = Number(m[2]);
    if (expiresAt <= Date.now()) throw new OutpostError('token_expired', 'the test token expired');
    return { userId: m[1]!, expiresAt };
  },
  async loadUser(userId) {
    return { id: userId, custom_data: customData[userId] ?? {} };
  },
});

const quiet = { info() {}, warn() {}, error(obj: Record<string, unknown>, msg: string) { console.error(msg, obj); } };

export async function startSyncTestServer(options: SyncTestServerOptions): Promise<SyncTestServer> {
  const store = options.store ?? new MemoryStore();
  const engine = await SyncEngine.open({
    store,
    schema: options.schema,
    developmentMode: options.developmentMode ?? false,
    queryable: options.queryable ?? {},
    // Tests about syncing, not permissions, let everyone do everything unless they say otherwise.
    rules: options.rules ?? { defaultRoles: [{ name: 'everyone', applyWhen: true, read: true, write: true }] },
    ...options.engine,
  });
  const endpoint = createSyncEndpoint({
    engine,
    auth: testAuth(options.customData),
    log: quiet,
    allowedOrigins: options.allowedOrigins ?? '*',
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const server: Server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  server.on('upgrade', (req, socket, head) => {
    if (!endpoint.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/api/sync`,
    engine,
    endpoint,
    store,
    token: (userId, ttlMs = 3_600_000) => `user:${userId}:${Date.now() + ttlMs}`,
    async close() {
      await endpoint.close();
      engine.close();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}
