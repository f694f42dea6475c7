import { request as httpRequest } from 'node:http';
import { AuthService, type AuthServiceOptions } from '../auth/service.ts';
import { parseConfig, type OutpostConfig } from '../config/load.ts';
import { silentLogger } from '../log.ts';
import { MetricsRegistry } from '../metrics.ts';
import { MemoryStore } from '../store/memory.ts';
import { createHttpServer, type HttpServerOptions } from '../http/app.ts';
import type { OutpostHttpServer } from '../http/server.ts';

/* Test support for the HTTP tests: a server on an ephemeral port over a MemoryStore. */

export const ADMIN_KEY = 'admin-key-for-tests-0123456789-abcdefgh';

export interface HttpTestServer {
  readonly http: OutpostHttpServer;
  readonly store: MemoryStore;
  readonly auth: AuthService;
  readonly metrics: MetricsRegistry;
  readonly config: OutpostConfig;
  readonly base: string;
  close(): Promise<void>;
}

export async function startHttpTestServer(
  raw: Record<string, unknown> = {},
  extra: { auth?: Partial<AuthServiceOptions>; adminKey?: string | null; http?: Partial<HttpServerOptions> } = {},
): Promise<HttpTestServer> {
  const config = parseConfig({ developmentMode: true, store: 'memory:', allowedOrigins: ['https://app.example.com'], ...raw });
  const store = new MemoryStore();
  const auth = new AuthService({
    store: store.auth,
    issuer: 'outpost:test',
    audience: 'test',
    signing: { alg: 'HS256', secret: 'http-test-secret-0123456789-abcdefghijkl' },
    providers: { anonymous: true, email: true, apiKey: true },
    scrypt: { N: 2 ** 16, r: 8, p: 1 },
    ...extra.auth,
  });
  const metrics = new MetricsRegistry();
  const http = createHttpServer({
    config,
    store,
    auth,
    metrics,
    log: silentLogger(),
    adminKey: extra.adminKey === null ? undefined : (extra.adminKey ?? ADMIN_KEY),
    version: '9.9.9',
    ...extra.http,
  });
  const { port } = await http.listen(0, '127.0.0.1');
  return {
    http,
    store,
    auth,
    metrics,
    config,
    base: `http://127.0.0.1:${port}`,
    close: async () => {
      await http.close(100);
      await store.close();
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A raw HTTP request (node:http): any header, any body bytes. */
export function request(base: string, method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer; json?: unknown } = {}): Promise<RawResponse> {
  const url = new URL(path, base);
  const body = options.json !== undefined ? JSON.stringify(options.json) : options.body;
  const headers: Record<string, string> = { ...(options.json !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
