import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT, base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { OutpostError } from '../../errors.ts';
import { AccessTokens, type AccessTokenSigning } from './access-token.ts';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const ed = generateKeyPairSync('ed25519');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (k: { export(o: object): string | Buffer }) => String(k.export({ type: 'pkcs8', format: 'pem' }));

function tokens(signing: AccessTokenSigning = { alg: 'HS256', secret: SECRET }, now = () => Date.now(), ttlSeconds = 600): AccessTokens {
  return new AccessTokens({ issuer: 'outpost:test', audience: 'test-app', signing, ttlSeconds, now });
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => 'no error',
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OutpostError);
  return (err as OutpostError).code;
}

describe('access tokens', () => {
  it('sign and verify with HS256, EdDSA and ES256; the claims are the documented ones', async () => {
    for (const signing of [
      { alg: 'HS256', secret: SECRET } as const,
      { alg: 'EdDSA', privateKey: pem(ed.privateKey) } as const,
      { alg: 'ES256', privateKey: pem(ec.privateKey) } as const,
    ]) {
      const t = tokens(signing);
      const { token, expiresAt } = await t.sign('user-1', 'email');
      const v = await t.verify(token);
      expect(v).toEqual({ userId: 'user-1', provider: 'email', expiresAt });
      const [header, payload] = token.split('.').slice(0, 2).map((p) => JSON.parse(new TextDecoder().decode(base64url.decode(p!))) as Record<string, unknown>);
      expect(header).toEqual({ alg: signing.alg, typ: 'at+jwt' });
      expect(Object.keys(payload!).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'provider', 'sub']);
      expect((payload!.exp as number) - (payload!.iat as number)).toBe(600);
    }
  });

  it('refuses lifetimes over 15 minutes and short HS256 secrets', () => {
    expect(() => tokens(undefined, undefined, 901)).toThrow(/lifetime/);
    expect(() => tokens({ alg: 'HS256', secret: 'short' })).toThrow(/32 bytes/);
    expect(() => tokens({ alg: 'ES256', privateKey: pem(ed.privateKey) })).toThrow(/ES256/);
  });

  it('expired → token_expired', async () => {
    let now = Date.now();
    const t = tokens(undefined, () => now);
    const { token } = await t.sign('u', 'anonymous');
    now += 601_000;
    expect(await codeOf(t.verify(token))).toBe('token_expired');
  });

  it('alg none, wrong audience, wrong issuer, bad signature, wrong typ, another algorithm → unauthorized', async () => {
    const t = tokens();
    const now = Math.floor(Date.now() / 1000);
    const none = new UnsecuredJWT({ provider: 'email' }).setIssuer('outpost:test').setAudience('test-app').setSubject('u').setIssuedAt(now).setExpirationTime(now + 60).setJti('j').encode();
    expect(await codeOf(t.verify(none))).toBe('unauthorized');
    const sign = (claims: { iss?: string; aud?: string; typ?: string; alg?: string; key?: Uint8Array | CryptoKey | import('node:crypto').KeyObject; exp?: number }) =>
      new SignJWT({ provider: 'email' })
        .setProtectedHeader({ alg: claims.alg ?? 'HS256', typ: claims.typ ?? 'at+jwt' })
        .setIssuer(claims.iss ?? 'outpost:test')
        .setAudience(claims.aud ?? 'test-app')
        .setSubject('u')
        .setIssuedAt(now)
        .setExpirationTime(claims.exp ?? now + 60)
        .setJti('j')
        .sign(claims.key ?? new TextEncoder().encode(SECRET));
    expect((await t.verify(await sign({}))).userId).toBe('u'); // the control case verifies
    expect(await codeOf(t.verify(await sign({ aud: 'other-app' })))).toBe('unauthorized');
    expect(await codeOf(t.verify(await sign({ iss: 'evil' })))).toBe('unauthorized');
    expect(await codeOf(t.verify(await sign({ typ: 'JWT' })))).toBe('unauthorized');
    expect(await codeOf(t.verify(await sign({ exp: now + 3600 })))).toBe('unauthorized'); // lives longer than 15 minutes
    expect(await codeOf(t.verify(await sign({ key: new TextEncoder().encode(SECRET + 'x') })))).toBe('unauthorized');
    expect(await codeOf(t.verify(await sign({ alg: 'HS512' })))).toBe('unauthorized');
    expect(await codeOf(t.verify(await sign({ alg: 'EdDSA', key: ed.privateKey })))).toBe('unauthorized');
    const good = (await t.sign('u', 'email')).token;
    const [h, p, s] = good.split('.');
    const tamperedSig = `${h}.${p}.${s!.slice(0, -2)}${s!.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await codeOf(t.verify(tamperedSig))).toBe('unauthorized');
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p!))) as Record<string, unknown>;
    const tamperedBody = `${h}.${base64url.encode(JSON.stringify({ ...payload, sub: 'admin' }))}.${s}`;
    expect(await codeOf(t.verify(tamperedBody))).toBe('unauthorized');
    expect(await codeOf(t.verify('not.a.jwt'))).toBe('unauthorized');
    expect(await codeOf(t.verify(''))).toBe('unauthorized');
    // An EdDSA server does not accept an HS256 token made with its public key as the secret.
    const edTokens = tokens({ alg: 'EdDSA', privateKey: pem(ed.privateKey) });
    const pub = String(ed.publicKey.export({ type: 'spki', format: 'pem' }));
    expect(await codeOf(edTokens.verify(await sign({ key: new TextEncoder().encode(pub) })))).toBe('unauthorized');
  });

  it('accepts tokens of a previous key during a rotation', async () => {
    const old = tokens({ alg: 'EdDSA', privateKey: pem(ed.privateKey) });
    const other = generateKeyPairSync('ed25519');
    const rotated = tokens({ alg: 'EdDSA', privateKey: pem(other.privateKey), previousPublicKeys: [String(ed.publicKey.export({ type: 'spki', format: 'pem' }))] });
    const { token } = await old.sign('u', 'jwt');
    expect((await rotated.verify(token)).userId).toBe('u');
    expect((await rotated.verify((await rotated.sign('v', 'jwt')).token)).userId).toBe('v');
  });
});
