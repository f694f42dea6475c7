import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, SignJWT, UnsecuredJWT, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { OutpostError } from '../../errors.ts';
import { CustomJwtVerifier } from './custom-jwt.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const SECRET = 'shared-secret-shared-secret-shared-secret';
const now = () => Math.floor(Date.now() / 1000);

async function jwks(): Promise<{ keys: JWK[] }> {
  return {
    keys: [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ],
  };
}

function token(opts: { alg: string; kid?: string; key: Parameters<SignJWT['sign']>[0]; iss?: string; aud?: string; sub?: string | null; exp?: number; claims?: Record<string, unknown> }): Promise<string> {
  const jwt = new SignJWT({ ...opts.claims })
    .setProtectedHeader({ alg: opts.alg, ...(opts.kid ? { kid: opts.kid } : {}) })
    .setIssuer(opts.iss ?? 'https://id.example.com')
    .setAudience(opts.aud ?? 'outpost-app')
    .setIssuedAt(now())
    .setExpirationTime(opts.exp ?? now() + 300);
  if (opts.sub !== null) jwt.setSubject(opts.sub ?? 'ext-42');
  return jwt.sign(opts.key);
}

async function rejected(v: CustomJwtVerifier, t: string): Promise<string> {
  const err = await v.verify(t).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OutpostError);
  expect((err as OutpostError).code).toBe('invalid_credentials');
  return (err as Error).message;
}

describe('custom JWT provider', () => {
  it('verifies with a JWKS and pinned algorithms; maps sub, email and custom-data claims', async () => {
    const v = new CustomJwtVerifier({ algorithms: ['RS256', 'ES256'], issuer: 'https://id.example.com', audience: 'outpost-app', jwks: await jwks(), emailClaim: 'email', customDataClaims: ['team', 'role'] });
    const out = await v.verify(await token({ alg: 'RS256', kid: 'rsa-1', key: rsa.privateKey, claims: { email: 'Ext@Example.com', team: 'blue', role: ['a'], other: 1 } }));
    expect(out).toEqual({ subject: 'ext-42', email: 'Ext@Example.com', customData: { team: 'blue', role: ['a'] } });
    expect((await v.verify(await token({ alg: 'ES256', kid: 'ec-1', key: ec.privateKey }))).subject).toBe('ext-42');
  });

  it('rejects unpinned algorithms, alg none, wrong issuer/audience, expired, no sub, bad signature', async () => {
    const v = new CustomJwtVerifier({ algorithms: ['RS256'], issuer: 'https://id.example.com', audience: 'outpost-app', jwks: await jwks() });
    await rejected(v, await token({ alg: 'ES256', kid: 'ec-1', key: ec.privateKey })); // a valid key, but ES256 is not pinned
    await rejected(v, await token({ alg: 'RS384', kid: 'rsa-1', key: rsa.privateKey }));
    await rejected(v, new UnsecuredJWT({}).setIssuer('https://id.example.com').setAudience('outpost-app').setSubject('x').setExpirationTime(now() + 60).encode());
    await rejected(v, await token({ alg: 'RS256', kid: 'rsa-1', key: rsa.privateKey, iss: 'https://evil.example.com' }));
    await rejected(v, await token({ alg: 'RS256', kid: 'rsa-1', key: rsa.privateKey, aud: 'another-app' }));
    expect(await rejected(v, await token({ alg: 'RS256', kid: 'rsa-1', key: rsa.privateKey, exp: now() - 60 }))).toMatch(/expired/);
    await rejected(v, await token({ alg: 'RS256', kid: 'rsa-1', key: rsa.privateKey, sub: null }));
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await rejected(v, await token({ alg: 'RS256', kid: 'rsa-1', key: other.privateKey }));
    await rejected(v, 'garbage');
    // The control case.
    expect((await v.verify(await token({ alg: 'RS256', kid: 'rsa-1', key: rsa.privateKey }))).subject).toBe('ext-42');
  });

  it('verifies with a PEM public key or a shared secret, and refuses key/algorithm mixes', async () => {
    const pemV = new CustomJwtVerifier({ algorithms: ['ES256'], issuer: 'https://id.example.com', audience: 'outpost-app', publicKey: String(ec.publicKey.export({ type: 'spki', format: 'pem' })) });
    expect((await pemV.verify(await token({ alg: 'ES256', key: ec.privateKey }))).subject).toBe('ext-42');
    const hs = new CustomJwtVerifier({ algorithms: ['HS256'], issuer: 'https://id.example.com', audience: ['outpost-app', 'x'], secret: SECRET });
    expect((await hs.verify(await token({ alg: 'HS256', key: new TextEncoder().encode(SECRET) }))).subject).toBe('ext-42');
    await rejected(hs, await token({ alg: 'HS512', key: new TextEncoder().encode(SECRET) }));
    const base = { issuer: 'i', audience: 'a' };
    expect(() => new CustomJwtVerifier({ ...base, algorithms: ['HS256'], publicKey: String(ec.publicKey.export({ type: 'spki', format: 'pem' })) })).toThrow(/HMAC/);
    expect(() => new CustomJwtVerifier({ ...base, algorithms: ['RS256'], secret: SECRET })).toThrow(/shared secret/);
    expect(() => new CustomJwtVerifier({ ...base, algorithms: [], secret: SECRET })).toThrow(/pin/);
    expect(() => new CustomJwtVerifier({ ...base, algorithms: ['HS256'], secret: 'short' })).toThrow(/32 bytes/);
    expect(() => new CustomJwtVerifier({ ...base, algorithms: ['HS256'] })).toThrow(/exactly one/);
  });
});
