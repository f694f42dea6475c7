import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { OutpostError } from '../../errors.ts';
import type { OutpostConfig } from '../config/load.ts';
import type { Logger } from '../log.ts';
import type { MetricsRegistry } from '../metrics.ts';
import { readJsonBody } from './body.ts';
import { SECURITY_HEADERS, sendError, sendJson } from './errors.ts';
import { serveStatic } from './static.ts';

/*
 * The HTTP server (node:http, no framework). It owns the cross-cutting rules, so that every route,
 * including the ones the sync engine mounts later, gets them:
 * - security headers on every response; JSON errors `{"error": {"code", "message"}}`;
 * - for /api/*: the Origin allowlist (same-origin and non-browser requests always pass; other
 *   origins must be listed, or every request from them is 403 `origin_not_allowed`), CORS
 *   preflights answered for allowed origins only;
 * - JSON bodies read on demand with a size limit and prototype-key checks (body.ts);
 * - request metrics and one log line per request (method, route, status, time; never bodies,
 *   query strings or headers).
 */

export interface HttpContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** `:name` segments of the route, and `*` for the rest of a wildcard route. */
  readonly params: Readonly<Record<string, string>>;
  /** The client address (the socket's; put a proxy's address handling in front if needed). */
  readonly ip: string;
  readonly requestId: string;
  readonly log: Logger;
  /** The JSON body (read once; `bad_message` / `frame_too_large` when it is not acceptable). */
  json(): Promise<unknown>;
  /** The token of an `Authorization: Bearer …` header. */
  bearer(): string | undefined;
}

export interface HttpResult {
  readonly status: number;
  /** JSON-encoded; omitted for 204. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Returns a result to send as JSON, or nothing when it wrote the response itself. Throw OutpostError for errors. */
export type RouteHandler = (ctx: HttpContext) => Promise<HttpResult | void> | HttpResult | void;

export interface RouteOptions {
  /** Body size limit for this route (default `limits.maxBodyBytes`). */
  readonly bodyLimit?: number;
}

/** Handles an upgrade (WebSocket) request; returns false when the path is not its own. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

export interface HttpCoreOptions {
  readonly config: Pick<OutpostConfig, 'allowedOrigins' | 'limits' | 'staticDir'>;
  /** The built operator's dashboard (dist/admin), served under /admin; none: /admin is not served. */
  readonly adminDir?: string | undefined;
  readonly metrics: MetricsRegistry;
  readonly log: Logger;
}

export interface OutpostHttpServer {
  readonly server: Server;
  /** Adds a route. `path` segments may be `:name`; a final `*` matches the rest. First match wins. */
  route(method: string, path: string, handler: RouteHandler, options?: RouteOptions): void;
  /** Adds an upgrade handler (tried in order; an upgrade no handler takes is answered 404). */
  onUpgrade(handler: UpgradeHandler): void;
  /** The Origin policy of /api, for the WebSocket upgrade to apply the same one. */
  originAllowed(req: IncomingMessage): boolean;
  listen(port?: number, host?: string): Promise<{ port: number; url: string }>;
  /** Stops accepting, ends idle connections, and closes the rest after `graceMs` (default 5 s). */
  close(graceMs?: number): Promise<void>;
}

interface Route {
  readonly method: string;
  readonly pattern: string;
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
  readonly options: RouteOptions;
}

function match(route: Route, parts: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = Object.create(null);
  for (let i = 0; i < route.segments.length; i++) {
    const seg = route.segments[i]!;
    if (seg === '*' && i === route.segments.length - 1) {
      params['*'] = parts.slice(i).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (seg.startsWith(':')) {
      if (part === '') return undefined;
      params[seg.slice(1)] = part;
    } else if (seg !== part) return undefined;
  }
  return parts.length === route.segments.length ? params : undefined;
}

/** The server with no routes yet (createHttpServer in app.ts adds the built-in ones). */
export function createHttpCore(options: HttpCoreOptions): OutpostHttpServer {
  const { config, log, metrics } = options;
  const routes: Route[] = [];
  const upgrades: UpgradeHandler[] = [];
  const requests = metrics.counter('outpost_http_requests_total', 'HTTP requests by route and status.', ['method', 'route', 'status']);
  const durations = metrics.histogram('outpost_http_request_duration_seconds', 'HTTP request duration.', ['method', 'route']);

  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // not a browser cross-origin request
    if (config.allowedOrigins === '*') return true;
    const lower = origin.toLowerCase();
    if (config.allowedOrigins.includes(lower)) return true;
    try {
      return new URL(origin).host === req.headers.host; // same origin
    } catch {
      return false;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const stopTimer = process.hrtime.bigint();
    const requestId = randomUUID();
    let routeLabel = 'unmatched';
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    res.setHeader('X-Request-Id', requestId);
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://localhost');
      } catch {
        throw new OutpostError('bad_message', 'malformed request URL');
      }
      const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
      if (isApi) {
        if (!originAllowed(req)) throw new OutpostError('origin_not_allowed', `origin ${req.headers.origin} is not allowed`);
        if (req.headers.origin !== undefined) {
          res.setHeader('Access-Control-Allow-Origin', req.headers.origin);
          res.setHeader('Vary', 'Origin');
          res.setHeader('Access-Control-Expose-Headers', 'Retry-After, X-Request-Id');
        }
      }
      const parts = url.pathname.split('/').slice(1);
      const candidates = routes.map((r) => ({ r, params: match(r, parts) })).filter((x) => x.params !== undefined);
      if (isApi && method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
        routeLabel = 'preflight';
        if (candidates.length === 0) throw new OutpostError('not_found', `no route ${url.pathname}`);
        res.writeHead(204, {
          'Access-Control-Allow-Methods': [...new Set(candidates.map((c) => c.r.method))].join(', '),
          'Access-Control-Allow-Headers': 'Authorization, Content-Type',
          'Access-Control-Max-Age': '600',
        });
        res.end();
        return;
      }
      const found = candidates.find((c) => c.r.method === method || (method === 'HEAD' && c.r.method === 'GET'));
      if (!found) {
        if (candidates.length > 0) {
          routeLabel = candidates[0]!.r.pattern;
          throw Object.assign(new OutpostError('not_found', `${method} is not allowed on ${url.pathname}`), { status: 405, allow: candidates.map((c) => c.r.method) });
        }
        const adminPath = url.pathname === '/admin' || url.pathname.startsWith('/admin/');
        if (adminPath && (method === 'GET' || method === 'HEAD') && options.adminDir) {
          routeLabel = 'admin';
          await serveStatic(req, res, options.adminDir, url.pathname.slice('/admin'.length) || '/');
          return;
        }
        if (!isApi && !adminPath && (method === 'GET' || method === 'HEAD') && config.staticDir) {
          routeLabel = 'static';
          await serveStatic(req, res, config.staticDir, url.pathname);
          return;
        }
        throw new OutpostError('not_found', `no route ${url.pathname}`);
      }
      routeLabel = found.r.pattern;
      let body: Promise<unknown> | undefined;
      const ctx: HttpContext = {
        req,
        res,
        url,
        params: found.params!,
        ip: req.socket.remoteAddress ?? 'unknown',
        requestId,
        log,
        json: () => (body ??= readJsonBody(req, found.r.options.bodyLimit ?? config.limits.maxBodyBytes)),
        bearer: () => {
          const h = req.headers.authorization;
          return h && /^Bearer [^\s]+$/i.test(h.trim()) ? h.trim().slice(7) : undefined;
        },
      };
      const result = await found.r.handler(ctx);
      if (result) sendJson(res, result.status, result.status === 204 ? undefined : result.body, { ...result.headers });
      else if (!res.writableEnded && !res.headersSent) throw new Error(`route ${found.r.pattern} returned nothing and sent nothing`);
    } catch (err) {
      if (err instanceof OutpostError) {
        const extra = err as OutpostError & { status?: number; allow?: string[] };
        if (extra.status === 405) {
          res.setHeader('Allow', extra.allow!.join(', '));
          sendJson(res, 405, { error: { code: err.code, message: err.message } });
        } else sendError(res, err);
      } else {
        log.error({ err, requestId, route: routeLabel }, 'request failed');
        sendError(res, new OutpostError('internal', `internal error (request ${requestId})`));
      }
    } finally {
      const seconds = Number(process.hrtime.bigint() - stopTimer) / 1e9;
      const record = (): void => {
        requests.inc({ method, route: routeLabel, status: String(res.statusCode) });
        durations.observe(seconds, { method, route: routeLabel });
        log.debug({ requestId, method, route: routeLabel, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'http');
      };
      if (res.writableFinished) record();
      else res.once('close', record);
    }
  };

  const server = createServer({ requestTimeout: 30_000, headersTimeout: 20_000, keepAliveTimeout: 5_000 }, (req, res) => {
    void handle(req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    for (const h of upgrades) {
      try {
        if (h(req, socket, head)) return;
      } catch (err) {
        log.error({ err }, 'upgrade handler failed');
        socket.destroy();
        return;
      }
    }
    const body = JSON.stringify({ error: { code: 'not_found', message: 'no WebSocket endpoint here' } });
    socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  return {
    server,
    route(method, path, handler, routeOptions = {}) {
      if (!path.startsWith('/')) throw new Error(`a route path starts with "/": ${path}`);
      routes.push({ method: method.toUpperCase(), pattern: path, segments: path.split('/').slice(1), handler, options: routeOptions });
    },
    onUpgrade(handler) {
      upgrades.push(handler);
    },
    originAllowed,
    listen(port = 0, host = '0.0.0.0') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const addr = server.address() as AddressInfo;
          const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
          resolve({ port: addr.port, url: `http://${shown.includes(':') ? `[${shown}]` : shown}:${addr.port}` });
        });
      });
    },
    close(graceMs = 5000) {
      return new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
