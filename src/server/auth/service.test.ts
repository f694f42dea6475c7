import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { OutpostError } from '../../errors.ts';
import { MemoryStore } from '../store/memory.ts';
import type { SessionAuth } from '../sync/session.ts';
import { AuthService, type AuthServiceOptions } from './service.ts';

const SECRET = 'service-test-secret-0123456789-abcdefghij';
const ext = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ip = { ip: '203.0.113.7' };

function setup(overrides: Partial<AuthServiceOptions> = {}) {
  const store = new MemoryStore();
  let clock = Date.now();
  const auth = new AuthService({
    store: store.auth,
    issuer: 'outpost:test',
    audience: 'test',
    signing: { alg: 'HS256', secret: SECRET },
    providers: {
      anonymous: true,
      email: true,
      apiKey: true,
      jwt: { algorithms: ['ES256'], issuer: 'https://id.example.com', audience: 'test', publicKey: String(ext.publicKey.export({ type: 'spki', format: 'pem' })), customDataClaims: ['team'], emailClaim: 'email' },
    },
    scrypt: { N: 2 ** 16, r: 8, p: 1 },
    now: () => clock,
    ...overrides,
  });
  return { store, auth, advance: (ms: number) => (clock += ms) };
}

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => 'resolved',
    (e: unknown) => e,
  );
  if (!(err instanceof OutpostError)) throw new Error(`expected an OutpostError, got ${String(err)}`);
  return err.code;
}

describe('auth service', () => {
  it('registers and logs in with email/password; wrong ones get invalid_credentials', async () => {
    const { auth } = setup();
    const { userId } = await auth.register('  Ana@Example.com ', 'correct horse', ip);
    expect(await code(auth.register('ana@example.com', 'another password', ip))).toBe('user_exists');
    expect(await code(auth.register('not-an-email', 'another password', ip))).toBe('bad_message');
    expect(await code(auth.register('bo@example.com', 'short', ip))).toBe('bad_message');
    const pair = await auth.login({ provider: 'email', email: 'ANA@example.com', password: 'correct horse' }, ip);
    expect(pair).toMatchObject({ userId, provider: 'email' });
    expect(pair.refreshToken).toMatch(/^ort_/);
    expect(await auth.verifyAccessToken(pair.accessToken)).toEqual({ userId, provider: 'email', expiresAt: pair.accessTokenExpiresAt, sessionId: expect.any(String) });
    expect(await code(auth.login({ provider: 'email', email: 'ana@example.com', password: 'wrong horse' }, ip))).toBe('invalid_credentials');
    expect(await code(auth.login({ provider: 'email', email: 'nobody@example.com', password: 'correct horse' }, ip))).toBe('invalid_credentials');
    expect(await auth.profile(pair.accessToken)).toEqual({ userId, provider: 'email', email: 'ana@example.com', customData: {} });
    expect(await auth.loadUser(userId)).toEqual({ id: userId, email: 'ana@example.com', custom_data: {} });
    // The sync engine's session auth is this service as it is.
    const sessionAuth: SessionAuth = auth;
    expect((await sessionAuth.verifyAccessToken(pair.accessToken)).userId).toBe(userId);
  });

  it('rate-limits failed logins per email', async () => {
    const { auth, advance } = setup({ rateLimit: { perEmail: { max: 3, windowSeconds: 60 } } });
    await auth.register('ana@example.com', 'correct horse', ip);
    for (let i = 0; i < 3; i++) expect(await code(auth.login({ provider: 'email', email: 'ana@example.com', password: 'nope nope' }, ip))).toBe('invalid_credentials');
    // Locked now, even with the right password, from any address.
    expect(await code(auth.login({ provider: 'email', email: 'ana@example.com', password: 'correct horse' }, { ip: '198.51.100.1' }))).toBe('rate_limited');
    advance(61_000);
    expect((await auth.login({ provider: 'email', email: 'ana@example.com', password: 'correct horse' }, ip)).provider).toBe('email');
  });

  it('logs in anonymously, with an API key, and with a custom JWT', async () => {
    const { auth } = setup();
    const a1 = await auth.login({ provider: 'anonymous' }, ip);
    const a2 = await auth.login({ provider: 'anonymous' }, ip);
    expect(a1.userId).not.toBe(a2.userId);
    const key = await auth.createApiKey('backend');
    expect(key.key).toMatch(/^opk_/);
    const k = await auth.login({ provider: 'api-key', key: key.key }, ip);
    expect(k).toMatchObject({ userId: key.userId, provider: 'api-key' });
    expect(await code(auth.login({ provider: 'api-key', key: 'opk_wrong' }, ip))).toBe('invalid_credentials');
    await auth.revokeApiKey(key.id);
    expect(await code(auth.login({ provider: 'api-key', key: key.key }, ip))).toBe('invalid_credentials');
    expect(await code(auth.refresh(k.refreshToken))).toBe('invalid_credentials'); // its sessions ended too
    const jwt = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://id.example.com').setAudience('test').setSubject('ext-1').setExpirationTime('5m').sign(ext.privateKey);
    const j1 = await auth.login({ provider: 'jwt', token: await jwt({ team: 'red', email: 'ext@example.com' }) }, ip);
    const j2 = await auth.login({ provider: 'jwt', token: await jwt({ team: 'blue' }) }, ip);
    expect(j2.userId).toBe(j1.userId);
    expect(await auth.profile(j2.accessToken)).toEqual({ userId: j1.userId, provider: 'jwt', email: 'ext@example.com', customData: { team: 'blue' } });
    expect(await code(auth.login({ provider: 'jwt', token: 'nope' }, ip))).toBe('invalid_credentials');
  });

  it('refuses disabled providers', async () => {
    const { auth } = setup({ providers: { anonymous: false, email: true, apiKey: false } });
    expect(await code(auth.login({ provider: 'anonymous' }, ip))).toBe('permission_denied');
    expect(await code(auth.login({ provider: 'jwt', token: 'x' }, ip))).toBe('permission_denied');
    expect(await code(auth.login({ provider: 'api-key', key: 'x' }, ip))).toBe('permission_denied');
  });

  it('rotates refresh tokens; reusing a spent one revokes the whole family', async () => {
    const { auth, advance } = setup();
    const p1 = await auth.login({ provider: 'anonymous' }, ip);
    const p2 = await auth.refresh(p1.refreshToken);
    expect(p2.refreshToken).not.toBe(p1.refreshToken);
    expect(p2.userId).toBe(p1.userId);
    const p3 = await auth.refresh(p2.refreshToken);
    // p1 is two rotations old: reuse. The family is revoked: even the newest token is dead now.
    expect(await code(auth.refresh(p1.refreshToken))).toBe('refresh_token_reused');
    expect(await code(auth.refresh(p3.refreshToken))).toBe('invalid_credentials');
    // Another login (another family) is unaffected.
    const other = await auth.login({ provider: 'anonymous' }, ip);
    advance(1000);
    expect((await auth.refresh(other.refreshToken)).userId).toBe(other.userId);
    expect(await code(auth.refresh('ort_unknown'))).toBe('invalid_credentials');
    expect(await code(auth.refresh(42))).toBe('invalid_credentials');
  });

  it('a retry of the previous token within the grace window returns the same pair; after it, reuse', async () => {
    const { auth, advance } = setup({ refreshGraceSeconds: 30 });
    const p1 = await auth.login({ provider: 'anonymous' }, ip);
    const p2 = await auth.refresh(p1.refreshToken);
    advance(10_000);
    const again = await auth.refresh(p1.refreshToken); // the response to the first call was lost
    expect(again).toEqual(p2);
    // Concurrent calls with one token all get the same pair.
    const p3s = await Promise.all([auth.refresh(p2.refreshToken), auth.refresh(p2.refreshToken), auth.refresh(p2.refreshToken)]);
    expect(p3s[1]).toEqual(p3s[0]);
    expect(p3s[2]).toEqual(p3s[0]);
    // Past the window: reuse.
    advance(31_000);
    expect(await code(auth.refresh(p2.refreshToken))).toBe('refresh_token_reused');
    expect(await code(auth.refresh(p3s[0]!.refreshToken))).toBe('invalid_credentials');
  });

  it('a retry after the successor was already used is reuse, even within the window', async () => {
    const { auth } = setup();
    const p1 = await auth.login({ provider: 'anonymous' }, ip);
    const p2 = await auth.refresh(p1.refreshToken);
    await auth.refresh(p2.refreshToken);
    expect(await code(auth.refresh(p1.refreshToken))).toBe('refresh_token_reused');
  });

  it('logout revokes the family; expired refresh tokens and deleted users are refused', async () => {
    const { auth, advance } = setup({ refreshTokenTtlSeconds: 3600 });
    const p1 = await auth.login({ provider: 'anonymous' }, ip);
    const p2 = await auth.refresh(p1.refreshToken);
    const ended: unknown[] = [];
    auth.onRevoked((r) => ended.push(r));
    const sid = (await auth.verifyAccessToken(p2.accessToken)).sessionId;
    expect(sid).toBe((await auth.verifyAccessToken(p1.accessToken)).sessionId);
    await auth.logout(p2.refreshToken);
    // The access tokens of that login stop verifying at once, not at their expiry.
    expect(await code(auth.verifyAccessToken(p1.accessToken))).toBe('unauthorized');
    expect(await code(auth.verifyAccessToken(p2.accessToken))).toBe('unauthorized');
    expect(ended).toEqual([{ sessionId: sid }]);
    await auth.logout('ort_unknown'); // idempotent, no error
    expect(await code(auth.refresh(p2.refreshToken))).toBe('invalid_credentials');
    const q = await auth.login({ provider: 'anonymous' }, ip);
    advance(3601_000);
    expect(await code(auth.refresh(q.refreshToken))).toBe('invalid_credentials');
    expect(await auth.pruneExpired()).toBeGreaterThan(0);
    const r = await auth.login({ provider: 'anonymous' }, ip);
    await auth.deleteUser(r.userId);
    expect(ended).toContainEqual({ userId: r.userId });
    expect(await code(auth.verifyAccessToken(r.accessToken))).toBe('unauthorized');
    expect(await code(auth.refresh(r.refreshToken))).toBe('invalid_credentials');
    expect(await code(auth.profile(r.accessToken))).toBe('unauthorized');
    expect(await code(auth.loadUser(r.userId))).toBe('unauthorized');
  });
});
