import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { OutpostError } from '../../errors.ts';
import { SYNC_PATH, WS_BEARER_PREFIX, WS_SUBPROTOCOL } from '../../protocol/index.ts';
import type { SyncEngine } from './engine.ts';
import { DEFAULT_SESSION_LIMITS, ServerSession, type SessionAuth, type SessionLimits, type SessionLog } from './session.ts';

export interface SyncEndpointOptions {
  readonly engine: SyncEngine;
  readonly auth: SessionAuth;
  readonly log: SessionLog;
  /** Browser origins allowed to connect; requests without an Origin header (non-browsers) pass. */
  readonly allowedOrigins: readonly string[] | '*';
  readonly limits?: Partial<SessionLimits>;
  /** At most this many sessions on this node. */
  readonly maxSessions?: number;
}

export interface SyncEndpoint {
  /** Handles an HTTP upgrade request; returns false when the path is not the sync endpoint. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  readonly sessionCount: number;
  /** Ends every session (with a `session_closed` ERROR) and stops accepting new ones. */
  close(): Promise<void>;
}

function reject(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 503 ? 'Service Unavailable' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (!header) return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** The access token from `Authorization: Bearer` or, for browsers, the `outpost.bearer.<token>` subprotocol. Never from the URL. */
function accessToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth && /^Bearer /i.test(auth)) return auth.slice(7).trim();
  const bearer = offeredProtocols(req).find((p) => p.startsWith(WS_BEARER_PREFIX));
  return bearer ? bearer.slice(WS_BEARER_PREFIX.length) : undefined;
}

/**
 * The WebSocket endpoint: checks the origin, the access token and the subprotocol during the
 * upgrade (a refused upgrade is a plain HTTP 401/403/400 with a JSON error), then gives the
 * socket its own sync session.
 */
export function createSyncEndpoint(options: SyncEndpointOptions): SyncEndpoint {
  const limits: SessionLimits = { ...DEFAULT_SESSION_LIMITS, ...options.limits };
  const sessions = new Set<ServerSession>();
  let closing = false;
  // A login that ends on this node (logout, user deleted) closes its sessions at once.
  const unsubscribe = options.auth.onRevoked?.((r) => {
    for (const s of sessions) s.loginEnded(r);
  });
  const wss = new WebSocketServer({
    noServer: true,
    // Frames up to twice the limit are read so that an oversized one gets a typed ERROR.
    maxPayload: limits.maxFrameBytes * 2,
    clientTracking: false,
    // Protocol 2 compresses a large message once, for every session that gets it, into a binary
    // frame (frames.ts): permessage-deflate kept a zlib context per socket (~200 KiB each).
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false),
  });

  // As for HTTP requests (src/server/http/server.ts): the server's own origin is always allowed,
  // so a page it serves (staticDir) syncs on whatever port or host it is reached at.
  const allowedOrigin = (origin: string | undefined, host: string | undefined): boolean => {
    if (origin === undefined || options.allowedOrigins === '*') return true;
    if (options.allowedOrigins.includes(origin.toLowerCase())) return true;
    try {
      return host !== undefined && new URL(origin).host === host;
    } catch {
      return false;
    }
  };

  return {
    get sessionCount() {
      return sessions.size;
    },
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== SYNC_PATH) return false;
      if (url.search.length > 0 && /token|bearer|auth/i.test(url.search)) {
        reject(socket, 400, 'unauthorized', 'access tokens are never accepted in the URL');
        return true;
      }
      if (closing) {
        reject(socket, 503, 'session_closed', 'the server is shutting down');
        return true;
      }
      if (!allowedOrigin(req.headers.origin, req.headers.host)) {
        reject(socket, 403, 'origin_not_allowed', `origin ${req.headers.origin} is not allowed`);
        return true;
      }
      if (!offeredProtocols(req).includes(WS_SUBPROTOCOL)) {
        reject(socket, 400, 'bad_message', `the client must offer the "${WS_SUBPROTOCOL}" subprotocol`);
        return true;
      }
      if (options.maxSessions !== undefined && sessions.size >= options.maxSessions) {
        reject(socket, 503, 'rate_limited', 'this server has too many sessions');
        return true;
      }
      const token = accessToken(req);
      if (!token) {
        reject(socket, 401, 'unauthorized', 'an access token is required');
        return true;
      }
      socket.on('error', () => socket.destroy());
      options.auth.verifyAccessToken(token).then(
        (user) => {
          wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
            const session = new ServerSession(ws, options.engine, options.auth, { ...user }, limits, options.log);
            sessions.add(session);
            ws.on('close', () => sessions.delete(session));
          });
        },
        (err: unknown) => {
          // A token that does not verify is a 401. The store failing to answer whether its login
          // still stands (the database unreachable) is not the token's fault: a 401 would make a
          // client refresh its token, or log in again, for nothing. It is a 503: try again.
          if (!(err instanceof OutpostError)) {
            options.log.warn({ err: (err as Error).message }, 'an access token could not be checked (the store did not answer)');
            reject(socket, 503, 'internal', 'the server cannot check the access token now; try again');
            return;
          }
          reject(socket, 401, err.code === 'token_expired' ? 'token_expired' : 'unauthorized', err.message);
        },
      );
      return true;
    },
    async close() {
      closing = true;
      unsubscribe?.();
      for (const s of sessions) s.shutdown();
      sessions.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
