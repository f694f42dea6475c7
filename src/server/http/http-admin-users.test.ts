import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { ADMIN_KEY, bearer, request, startHttpTestServer, type RawResponse, type HttpTestServer } from '../testing/http-server.ts';

/*
 * The dashboard's admin role for users: deny by default; configured (by id or email) or granted
 * by an admin; the same cookie + CSRF session as the key; checked on every request; every
 * action logged with the user's id.
 */

let t: HttpTestServer;
let logged = '';
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  const destination = new Writable({ write: (chunk, _enc, done) => ((logged += String(chunk)), done()) });
  t = await startHttpTestServer({ adminUsers: ['ops@example.com'] }, { http: { log: createLogger({ level: 'info', destination }) } });
  for (const email of ['ops@example.com', 'tech@example.com', 'lead@example.com']) {
    expect((await request(t.base, 'POST', '/api/auth/register', { json: { email, password: PASSWORD } })).status).toBe(201);
  }
});
afterAll(() => t.close());

/** Logs in to the dashboard with a body; returns the session's cookie and CSRF header. */
async function login(json: unknown): Promise<{ res: RawResponse; headers: Record<string, string> }> {
  const res = await request(t.base, 'POST', '/api/admin/session', { json });
  const cookie = String(res.headers['set-cookie'] ?? '').split(';')[0]!;
  return { res, headers: { cookie, 'x-outpost-csrf': res.json?.csrf ?? '' } };
}

const userId = async (email: string) => (await t.store.auth.getUserByEmail(email))!.id;

describe('admin users', () => {
  it('lets a configured admin in with email and password; refuses everyone else', async () => {
    const ops = await login({ email: 'ops@example.com', password: PASSWORD });
    expect(ops.res.status).toBe(201);
    expect(String(ops.res.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect(ops.res.json.userId).toBe(await userId('ops@example.com'));
    expect((await request(t.base, 'GET', '/api/admin/sessions', { headers: ops.headers })).status).toBe(200);
    // The cookie alone (a cross-site request) is not enough.
    expect((await request(t.base, 'GET', '/api/admin/sessions', { headers: { cookie: ops.headers.cookie! } })).status).toBe(401);
    // Not an admin, or a wrong password.
    const tech = await login({ email: 'tech@example.com', password: PASSWORD });
    expect(tech.res.status).toBe(403);
    expect(tech.res.json.error.code).toBe('permission_denied');
    expect(tech.res.headers['set-cookie']).toBeUndefined();
    expect((await login({ email: 'ops@example.com', password: 'wrong password!' })).res.status).toBe(401);
  });

  it('logs every action with the user\'s id', async () => {
    const ops = await login({ email: 'ops@example.com', password: PASSWORD });
    const created = await request(t.base, 'POST', '/api/admin/api-keys', { headers: ops.headers, json: { name: 'ci' } });
    expect(created.status).toBe(201);
    expect(logged).toContain(`"admin":"user:${await userId('ops@example.com')}","method":"POST","path":"/api/admin/api-keys"`);
  });

  it('an admin grants and withdraws the role; open sessions lose it at once; an access token logs in too', async () => {
    const ops = await login({ email: 'ops@example.com', password: PASSWORD });
    const lead = await userId('lead@example.com');
    expect((await login({ email: 'lead@example.com', password: PASSWORD })).res.status).toBe(403);
    const grant = await request(t.base, 'PUT', `/api/admin/users/${lead}/admin`, { headers: ops.headers, json: { admin: true } });
    expect(grant.json).toEqual({ userId: lead, admin: 'granted' });
    const users = await request(t.base, 'GET', '/api/admin/users', { headers: bearer(ADMIN_KEY) });
    const roles = Object.fromEntries(users.json.users.filter((u: { email: string | null }) => u.email !== null).map((u: { email: string; admin: string | null }) => [u.email, u.admin]));
    expect(roles).toEqual({ 'ops@example.com': 'config', 'tech@example.com': null, 'lead@example.com': 'granted' });

    // Logged in with an access token from the app's own login (any provider).
    const tokens = await request(t.base, 'POST', '/api/auth/login', { json: { provider: 'email', email: 'lead@example.com', password: PASSWORD } });
    const viaToken = await login({ accessToken: tokens.json.accessToken });
    expect(viaToken.res.status).toBe(201);
    expect((await request(t.base, 'GET', '/api/admin/users', { headers: viaToken.headers })).status).toBe(200);

    // Withdrawn by the admin key: the open session is refused at its next request.
    const withdraw = await request(t.base, 'PUT', `/api/admin/users/${lead}/admin`, { headers: bearer(ADMIN_KEY), json: { admin: false } });
    expect(withdraw.json).toEqual({ userId: lead, admin: null });
    const refused = await request(t.base, 'GET', '/api/admin/users', { headers: viaToken.headers });
    expect(refused.status).toBe(401);
    expect(refused.json.error.message).toMatch(/no longer has the admin role/);

    // A configured admin stays one; nobody withdraws their own role.
    const opsId = await userId('ops@example.com');
    expect((await request(t.base, 'PUT', `/api/admin/users/${opsId}/admin`, { headers: bearer(ADMIN_KEY), json: { admin: false } })).json.admin).toBe('config');
    expect((await request(t.base, 'PUT', `/api/admin/users/${opsId}/admin`, { headers: ops.headers, json: { admin: false } })).status).toBe(400);
  });

  it('without an admin key, the configured admin users still get in; without either, nobody does', async () => {
    const keyless = await startHttpTestServer({ adminUsers: ['boss@example.com'] }, { adminKey: null });
    await request(keyless.base, 'POST', '/api/auth/register', { json: { email: 'boss@example.com', password: PASSWORD } });
    const res = await request(keyless.base, 'POST', '/api/admin/session', { json: { email: 'boss@example.com', password: PASSWORD } });
    expect(res.status).toBe(201);
    expect((await request(keyless.base, 'POST', '/api/admin/session', { json: { key: ADMIN_KEY } })).status).toBe(403);
    await keyless.close();
    const closed = await startHttpTestServer({}, { adminKey: null });
    expect((await request(closed.base, 'GET', '/api/admin/users')).status).toBe(403);
    await closed.close();
  });
});
