/** The auth part of the storage contract (users, identities, refresh tokens, API keys). */
import { expect, it } from 'vitest';
import { OutpostError } from '../../../errors.ts';
import type { RefreshTokenRow, ServerStore, UserRow } from '../../store/types.ts';

function user(id: string, email: string | null, extra: Partial<UserRow> = {}): UserRow {
  return { id, email, passwordHash: email ? 'scrypt$131072$8$1$c2FsdA==$a2V5' : null, provider: email ? 'email' : 'anonymous', customData: {}, createdAt: 1000, ...extra };
}

function token(hash: string, familyId: string, userId: string, extra: Partial<RefreshTokenRow> = {}): RefreshTokenRow {
  return { hash, familyId, userId, provider: 'email', createdAt: 1, expiresAt: 10_000, spentAt: null, successorHash: null, successorBlob: null, ...extra };
}

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OutpostError);
  return (err as OutpostError).code;
}

export function runAuthContractTests(ctx: { readonly store: ServerStore }): void {
  it('auth: users are created, found, listed, updated and deleted; emails are unique', async () => {
    const a = ctx.store.auth;
    const custom = { role: 'admin', teams: ['a', 'b'], nested: { n: 1.5, ok: true, none: null }, oid: { $oid: '6001c033600510df3bbfd864' } };
    await a.createUser(user('u1', 'ana@example.com', { customData: custom }));
    await a.createUser(user('u2', null));
    await a.createUser(user('u3', null));
    expect(await code(a.createUser(user('u4', 'ana@example.com')))).toBe('user_exists');
    expect(await a.getUser('u4')).toBeUndefined();
    expect(await a.getUser('u1')).toEqual(user('u1', 'ana@example.com', { customData: custom }));
    expect((await a.getUserByEmail('ana@example.com'))?.id).toBe('u1');
    expect(await a.getUserByEmail('nobody@example.com')).toBeUndefined();
    expect((await a.listUsers({ limit: 2 })).map((u) => u.id)).toEqual(['u1', 'u2']);
    expect((await a.listUsers({ afterId: 'u2', limit: 10 })).map((u) => u.id)).toEqual(['u3']);
    expect(await a.updateUser('u2', { customData: { x: 1 } })).toBe(true);
    expect((await a.getUser('u2'))!.customData).toEqual({ x: 1 });
    expect(await a.updateUser('nope', { customData: {} })).toBe(false);
    expect(await code(a.updateUser('u2', { email: 'ana@example.com' }))).toBe('user_exists');
    expect(await a.updateUser('u2', { email: 'bo@example.com', passwordHash: 'h' })).toBe(true);
    expect((await a.getUserByEmail('bo@example.com'))?.passwordHash).toBe('h');
    // Deleting a user takes its tokens, families, identities and keys with it.
    await a.createRefreshFamily({ id: 'f1', userId: 'u1', provider: 'email', createdAt: 1, revokedAt: null }, token('h1', 'f1', 'u1'));
    await a.createApiKey({ id: 'k1', name: 'ci', hash: 'kh1', userId: 'u1', createdAt: 1, revokedAt: null });
    expect(await a.deleteUser('u1')).toBe(true);
    expect(await a.deleteUser('u1')).toBe(false);
    expect(await a.getUser('u1')).toBeUndefined();
    expect(await a.getUserByEmail('ana@example.com')).toBeUndefined();
    expect(await a.getRefreshToken('h1')).toBeUndefined();
    expect(await a.getRefreshFamily('f1')).toBeUndefined();
    expect(await a.getApiKey('k1')).toBeUndefined();
    // The email is free again.
    await a.createUser(user('u5', 'ana@example.com'));
    // A deleted user's external identity maps to a new user at the next login.
    expect((await a.ensureIdentityUser('jwt', 'sub-1', user('u6', null))).created).toBe(true);
    expect(await a.deleteUser('u6')).toBe(true);
    expect(await a.ensureIdentityUser('jwt', 'sub-1', user('u7', null))).toMatchObject({ created: true, user: { id: 'u7' } });
  });

  it('auth: an external identity maps to one user, even on concurrent first logins', async () => {
    const a = ctx.store.auth;
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => a.ensureIdentityUser('jwt', 'subject-a', user(`cand-${i}`, null, { provider: 'jwt' }))));
    const ids = new Set(results.map((r) => r.user.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const again = await a.ensureIdentityUser('jwt', 'subject-a', user('cand-x', null));
    expect(again).toEqual({ user: results[0]!.user, created: false });
    const other = await a.ensureIdentityUser('jwt', 'subject-b', user('cand-b', null));
    expect(other.created).toBe(true);
    expect(other.user.id).toBe('cand-b');
    // The same subject under another provider is another identity.
    expect((await a.ensureIdentityUser('other', 'subject-a', user('cand-o', null))).user.id).toBe('cand-o');
    expect((await a.listUsers({ limit: 100 })).length).toBe(3);
  });

  it('auth: refresh tokens rotate once, families revoke, expired tokens are pruned', async () => {
    const a = ctx.store.auth;
    await a.createUser(user('u1', null));
    await a.createRefreshFamily({ id: 'f1', userId: 'u1', provider: 'anonymous', createdAt: 5, revokedAt: null }, token('h1', 'f1', 'u1', { expiresAt: 100 }));
    expect(await a.getRefreshFamily('f1')).toEqual({ id: 'f1', userId: 'u1', provider: 'anonymous', createdAt: 5, revokedAt: null });
    expect(await a.getRefreshToken('h1')).toEqual(token('h1', 'f1', 'u1', { expiresAt: 100 }));
    // Two racing rotations of one token: exactly one wins.
    const wins = await Promise.all([
      a.rotateRefreshToken({ hash: 'h1', spentAt: 50, successorBlob: 'blob-a' }, token('h2a', 'f1', 'u1', { expiresAt: 200 })),
      a.rotateRefreshToken({ hash: 'h1', spentAt: 51, successorBlob: 'blob-b' }, token('h2b', 'f1', 'u1', { expiresAt: 200 })),
    ]);
    expect(wins.filter(Boolean)).toHaveLength(1);
    const spent = (await a.getRefreshToken('h1'))!;
    const winner = wins[0] ? 'h2a' : 'h2b';
    expect(spent.successorHash).toBe(winner);
    expect(spent.successorBlob).toBe(wins[0] ? 'blob-a' : 'blob-b');
    expect(spent.spentAt).toBe(wins[0] ? 50 : 51);
    expect(await a.getRefreshToken(winner === 'h2a' ? 'h2b' : 'h2a')).toBeUndefined();
    expect((await a.getRefreshToken(winner))!.spentAt).toBeNull();
    expect(await a.rotateRefreshToken({ hash: 'nope', spentAt: 1, successorBlob: 'x' }, token('h9', 'f1', 'u1'))).toBe(false);
    await a.revokeRefreshFamily('f1', 77);
    expect((await a.getRefreshFamily('f1'))!.revokedAt).toBe(77);
    await a.revokeRefreshFamily('f1', 99); // the first revocation time stays
    expect((await a.getRefreshFamily('f1'))!.revokedAt).toBe(77);
    await a.createRefreshFamily({ id: 'f2', userId: 'u1', provider: 'anonymous', createdAt: 5, revokedAt: null }, token('g1', 'f2', 'u1', { expiresAt: 1000 }));
    await a.createRefreshFamily({ id: 'f3', userId: 'u1', provider: 'anonymous', createdAt: 5, revokedAt: null }, token('k1', 'f3', 'u1', { expiresAt: 1000 }));
    await a.revokeUserRefreshFamilies('u1', 88);
    expect((await a.getRefreshFamily('f2'))!.revokedAt).toBe(88);
    expect((await a.getRefreshFamily('f3'))!.revokedAt).toBe(88);
    expect(await a.pruneRefreshTokens(150)).toBe(1); // h1 (expires 100)
    expect(await a.getRefreshToken('h1')).toBeUndefined();
    expect(await a.getRefreshToken(winner)).toBeDefined();
  });

  it('auth: API keys are found by hash, listed and revoked', async () => {
    const a = ctx.store.auth;
    await a.createApiKey({ id: 'k1', name: 'ci', hash: 'hash-1', userId: 'u1', createdAt: 10, revokedAt: null });
    await a.createApiKey({ id: 'k2', name: 'backend', hash: 'hash-2', userId: 'u2', createdAt: 20, revokedAt: null });
    expect((await a.getApiKeyByHash('hash-2'))?.id).toBe('k2');
    expect(await a.getApiKeyByHash('hash-3')).toBeUndefined();
    expect((await a.listApiKeys()).map((k) => k.id)).toEqual(['k1', 'k2']);
    expect(await a.revokeApiKey('k1', 30)).toBe(true);
    expect(await a.revokeApiKey('k1', 40)).toBe(true);
    expect((await a.getApiKey('k1'))!.revokedAt).toBe(30);
    expect(await a.revokeApiKey('nope', 30)).toBe(false);
  });
}
