import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, request, startHttpTestServer, type HttpTestServer } from '../testing/http-server.ts';

let t: HttpTestServer;
beforeAll(async () => {
  t = await startHttpTestServer({}, { auth: { rateLimit: { perEmail: { max: 3, windowSeconds: 60 } } } });
});
afterAll(() => t.close());

const post = (path: string, json: unknown, headers: Record<string, string> = {}) => request(t.base, 'POST', path, { json, headers });

describe('HTTP auth endpoints (docs/protocol.md section 1)', () => {
  it('POST /api/auth/register: 201 {userId}; 409 user_exists; 400 for bad input', async () => {
    const r = await post('/api/auth/register', { email: 'ana@example.com', password: 'correct horse' });
    expect(r.status).toBe(201);
    expect(Object.keys(r.json)).toEqual(['userId']);
    const again = await post('/api/auth/register', { email: 'ANA@example.com', password: 'another one' });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('user_exists');
    for (const body of [
      { email: 'not-an-email', password: 'correct horse' },
      { email: 'bo@example.com', password: 'short' },
      { email: 'bo@example.com', password: 12345678 },
      { email: 'bo@example.com' },
      { email: 'bo@example.com', password: 'correct horse', admin: true },
      ['bo@example.com', 'correct horse'],
      'bo@example.com',
    ]) {
      const bad = await post('/api/auth/register', body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.json.error.code).toBe('bad_message');
    }
    expect((await request(t.base, 'GET', '/api/admin/users', { headers: bearer('admin-key-for-tests-0123456789-abcdefgh') })).json.users).toHaveLength(1);
  });

  it('POST /api/auth/login with each provider returns the token shape; wrong credentials 401', async () => {
    await post('/api/auth/register', { email: 'cy@example.com', password: 'correct horse' });
    const r = await post('/api/auth/login', { provider: 'email', email: 'cy@example.com', password: 'correct horse' });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(['accessToken', 'accessTokenExpiresAt', 'provider', 'refreshToken', 'refreshTokenExpiresAt', 'userId']);
    expect(r.json.provider).toBe('email');
    expect(r.json.accessTokenExpiresAt - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    expect(r.json.refreshTokenExpiresAt).toBeGreaterThan(r.json.accessTokenExpiresAt);
    const wrong = await post('/api/auth/login', { provider: 'email', email: 'cy@example.com', password: 'wrong horse' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('invalid_credentials');
    expect((await post('/api/auth/login', { provider: 'anonymous' })).json.provider).toBe('anonymous');
    expect((await post('/api/auth/login', { provider: 'jwt', token: 'x.y.z' })).json.error.code).toBe('permission_denied'); // not configured
    expect((await post('/api/auth/login', { provider: 'api-key', key: 'opk_nope' })).status).toBe(401);
    for (const body of [{ provider: 'facebook' }, { provider: 'email', email: 'cy@example.com' }, { provider: 'anonymous', extra: 1 }, {}, null]) {
      const bad = await post('/api/auth/login', body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.json.error.code).toBe('bad_message');
    }
  });

  it('rate-limits failed logins per email with 429 and Retry-After', async () => {
    await post('/api/auth/register', { email: 'dee@example.com', password: 'correct horse' });
    for (let i = 0; i < 3; i++) expect((await post('/api/auth/login', { provider: 'email', email: 'dee@example.com', password: 'nope nope' })).status).toBe(401);
    const limited = await post('/api/auth/login', { provider: 'email', email: 'dee@example.com', password: 'correct horse' });
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('POST /api/auth/refresh rotates; a reused token is 401 refresh_token_reused; logout is 204 and revokes', async () => {
    const login = (await post('/api/auth/login', { provider: 'anonymous' })).json;
    const r1 = await post('/api/auth/refresh', { refreshToken: login.refreshToken });
    expect(r1.status).toBe(200);
    expect(r1.json.refreshToken).not.toBe(login.refreshToken);
    expect(r1.json.userId).toBe(login.userId);
    // A retry of the same token right away (lost response) gets the same pair.
    const retry = await post('/api/auth/refresh', { refreshToken: login.refreshToken });
    expect(retry.json).toEqual(r1.json);
    const r2 = await post('/api/auth/refresh', { refreshToken: r1.json.refreshToken });
    expect(r2.status).toBe(200);
    const reused = await post('/api/auth/refresh', { refreshToken: login.refreshToken });
    expect(reused.status).toBe(401);
    expect(reused.json.error.code).toBe('refresh_token_reused');
    expect((await post('/api/auth/refresh', { refreshToken: r2.json.refreshToken })).json.error.code).toBe('invalid_credentials');
    const other = (await post('/api/auth/login', { provider: 'anonymous' })).json;
    const out = await post('/api/auth/logout', { refreshToken: other.refreshToken });
    expect(out.status).toBe(204);
    expect(out.text).toBe('');
    expect((await post('/api/auth/refresh', { refreshToken: other.refreshToken })).json.error.code).toBe('invalid_credentials');
    expect((await post('/api/auth/logout', { refreshToken: 'ort_unknown' })).status).toBe(204);
    expect((await post('/api/auth/refresh', { refreshToken: 5 })).status).toBe(400);
    expect((await post('/api/auth/refresh', {})).status).toBe(400);
  });

  it('GET /api/auth/profile needs a valid access token', async () => {
    await post('/api/auth/register', { email: 'eve@example.com', password: 'correct horse' });
    const login = (await post('/api/auth/login', { provider: 'email', email: 'eve@example.com', password: 'correct horse' })).json;
    const p = await request(t.base, 'GET', '/api/auth/profile', { headers: bearer(login.accessToken) });
    expect(p.status).toBe(200);
    expect(p.json).toEqual({ userId: login.userId, provider: 'email', email: 'eve@example.com', customData: {} });
    const none = await request(t.base, 'GET', '/api/auth/profile');
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('unauthorized');
    expect((await request(t.base, 'GET', '/api/auth/profile', { headers: bearer(login.accessToken + 'x') })).json.error.code).toBe('unauthorized');
    expect((await request(t.base, 'GET', '/api/auth/profile', { headers: bearer(login.refreshToken) })).status).toBe(401);
    expect((await request(t.base, 'GET', '/api/auth/profile', { headers: { authorization: `Basic ${login.accessToken}` } })).status).toBe(401);
  });
});
