import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/*
 * Sessions of the operator's dashboard (/admin). Logging in with the admin key, or as a user
 * with the admin role (admin-users.ts), gives a random
 * session id in a cookie (HttpOnly: scripts cannot read it; SameSite=Strict: no other site's page
 * makes the browser send it) and a CSRF token the page keeps and sends as `X-Outpost-CSRF` with
 * every request: a cross-site form post can carry neither. Sessions live in this process's memory
 * (one node; a restart logs the dashboard out) for 8 hours.
 */

export const ADMIN_COOKIE = 'outpost_admin';
export const CSRF_HEADER = 'x-outpost-csrf';
const TTL_MS = 8 * 3600_000;
const MAX_SESSIONS = 1000;

export interface AdminSession {
  readonly id: string;
  /** Who logged in: the admin key, or a user with the admin role (their id). */
  readonly userId: string | undefined;
  readonly csrf: string;
  readonly expiresAt: number;
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...rest] = part.trim().split('=');
    if (k === name) return rest.join('=');
  }
  return undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class AdminSessions {
  private readonly byId = new Map<string, AdminSession>();

  create(userId: string | undefined, now = Date.now()): AdminSession {
    for (const [id, s] of this.byId) if (s.expiresAt <= now) this.byId.delete(id);
    // Bounded: the oldest login goes first.
    while (this.byId.size >= MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value!);
    const s = { id: randomBytes(32).toString('base64url'), userId, csrf: randomBytes(32).toString('base64url'), expiresAt: now + TTL_MS };
    this.byId.set(s.id, s);
    return s;
  }

  cookie(s: AdminSession): string {
    return `${ADMIN_COOKIE}=${s.id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(TTL_MS / 1000)}`;
  }

  /** The session of the request's cookie, alive (no CSRF check: for reading the token back). */
  fromCookie(req: IncomingMessage, now = Date.now()): AdminSession | undefined {
    const id = cookieValue(req, ADMIN_COOKIE);
    const s = id === undefined ? undefined : this.byId.get(id);
    if (!s) return undefined;
    if (s.expiresAt <= now) {
      this.byId.delete(s.id);
      return undefined;
    }
    return s;
  }

  /** The session of a request that proves it comes from the dashboard page: cookie and CSRF header. */
  fromRequest(req: IncomingMessage): AdminSession | undefined {
    const s = this.fromCookie(req);
    const token = req.headers[CSRF_HEADER];
    if (!s || typeof token !== 'string' || !same(token, s.csrf)) return undefined;
    return s;
  }

  end(req: IncomingMessage): void {
    const s = this.fromCookie(req);
    if (s) this.byId.delete(s.id);
  }
}
