import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OutpostError } from '../../protocol/index.ts';

/*
 * The HTTP auth API of docs/protocol.md §1, in memory, for the client's tests: anonymous and
 * email/password users, readable access tokens with an expiry (see `tokenFormat`), rotating
 * refresh tokens with reuse detection.
 */

export interface FakeAuthOptions {
  /** Access token lifetime (default 15 minutes). */
  accessTtlMs?: number;
  refreshTtlMs?: number;
  /**
   * 'dots' (default): `user.<id>.<expiresAtMs>`, valid in a WebSocket subprotocol (browsers pass
   * the token as one). 'colons': `user:<id>:<expiresAtMs>`, the format of the sync engine's test
   * server (src/server/testing/sync-server.ts), for Node clients that send an Authorization header.
   */
  tokenFormat?: 'dots' | 'colons';
}

interface RefreshToken {
  readonly userId: string;
  readonly family: string;
  spent: boolean;
  readonly expiresAt: number;
}

export class FakeAuth {
  readonly users = new Map<string, { id: string; provider: string; email?: string; password?: string }>();
  private readonly refresh = new Map<string, RefreshToken>();
  private readonly revokedFamilies = new Set<string>();
  private seq = 0;
  /** Counters for tests. */
  readonly calls = { login: 0, refresh: 0, logout: 0, profile: 0 };

  constructor(readonly options: FakeAuthOptions = {}) {}

  get accessTtlMs(): number {
    return this.options.accessTtlMs ?? 15 * 60_000;
  }

  accessToken(userId: string, ttlMs = this.accessTtlMs): { token: string; expiresAt: number } {
    const expiresAt = Date.now() + ttlMs;
    const sep = this.options.tokenFormat === 'colons' ? ':' : '.';
    return { token: `user${sep}${userId}${sep}${expiresAt}`, expiresAt };
  }

  verify(token: string): { userId: string; expiresAt: number } {
    const m = /^user[:.]([^:.]+)[:.](\d+)$/.exec(token);
    if (!m || !this.users.has(m[1]!)) throw new OutpostError('unauthorized', 'unknown token');
    const expiresAt = Number(m[2]);
    if (expiresAt <= Date.now()) throw new OutpostError('token_expired', 'the access token expired');
    return { userId: m[1]!, expiresAt };
  }

  private issue(userId: string, provider: string, family = randomBytes(8).toString('hex')) {
    const refreshToken = randomBytes(16).toString('hex');
    const refreshTokenExpiresAt = Date.now() + (this.options.refreshTtlMs ?? 30 * 24 * 3600_000);
    this.refresh.set(refreshToken, { userId, family, spent: false, expiresAt: refreshTokenExpiresAt });
    const a = this.accessToken(userId);
    return { userId, accessToken: a.token, accessTokenExpiresAt: a.expiresAt, refreshToken, refreshTokenExpiresAt, provider };
  }

  /** Handles /api/auth/*; returns false for other paths. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith('/api/auth/')) return false;
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const send = (status: number, json?: unknown) => {
        res.statusCode = status;
        if (json === undefined) return res.end();
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(json));
      };
      const error = (status: number, code: string, message: string) => send(status, { error: { code, message } });
      let b: Record<string, unknown> = {};
      try {
        b = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      } catch {
        return error(400, 'bad_message', 'not JSON');
      }
      switch (url.pathname) {
        case '/api/auth/register': {
          const email = String(b.email ?? '');
          if ([...this.users.values()].some((u) => u.email === email)) return error(409, 'user_exists', 'exists');
          const id = `u${++this.seq}`;
          this.users.set(id, { id, provider: 'email', email, password: String(b.password ?? '') });
          return send(201, { userId: id });
        }
        case '/api/auth/login': {
          this.calls.login++;
          if (b.provider === 'anonymous') {
            const id = `anon${++this.seq}`;
            this.users.set(id, { id, provider: 'anonymous' });
            return send(200, this.issue(id, 'anonymous'));
          }
          if (b.provider === 'email') {
            const u = [...this.users.values()].find((x) => x.email === b.email && x.password === b.password);
            if (!u) return error(401, 'invalid_credentials', 'wrong email or password');
            return send(200, this.issue(u.id, 'email'));
          }
          return error(401, 'invalid_credentials', 'unsupported provider');
        }
        case '/api/auth/refresh': {
          this.calls.refresh++;
          const t = this.refresh.get(String(b.refreshToken ?? ''));
          if (!t || t.expiresAt < Date.now() || this.revokedFamilies.has(t.family)) return error(401, 'invalid_credentials', 'unknown refresh token');
          if (t.spent) {
            this.revokedFamilies.add(t.family);
            return error(401, 'refresh_token_reused', 'refresh token reused');
          }
          t.spent = true;
          const u = this.users.get(t.userId)!;
          return send(200, this.issue(u.id, u.provider, t.family));
        }
        case '/api/auth/logout': {
          this.calls.logout++;
          const t = this.refresh.get(String(b.refreshToken ?? ''));
          if (t) this.revokedFamilies.add(t.family);
          return send(204);
        }
        case '/api/auth/profile': {
          this.calls.profile++;
          const auth = req.headers.authorization ?? '';
          try {
            const { userId } = this.verify(auth.replace(/^Bearer /i, ''));
            const u = this.users.get(userId)!;
            return send(200, { userId, provider: u.provider, ...(u.email ? { email: u.email } : {}), customData: {} });
          } catch (err) {
            return error(401, (err as OutpostError).code, (err as Error).message);
          }
        }
        default:
          return error(404, 'not_found', 'no such endpoint');
      }
    });
    return true;
  }
}
