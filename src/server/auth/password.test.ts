import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OutpostError } from '../../errors.ts';
import { checkPassword, checkScryptParams, hashPassword, KEY_BYTES, needsRehash, parseHash, SALT_BYTES, SCRYPT_DEFAULTS, verifyPassword } from './password.ts';

describe('password hashing (scrypt)', () => {
  it('uses N = 2^17, r = 8, p = 1, a 32-byte salt and a 64-byte key, verifiable independently', async () => {
    expect(SCRYPT_DEFAULTS).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    const hash = await hashPassword('correct horse battery staple');
    const parts = hash.split('$');
    expect(parts.slice(0, 4)).toEqual(['scrypt', '131072', '8', '1']);
    const parsed = parseHash(hash)!;
    expect(parsed.salt.length).toBe(SALT_BYTES);
    expect(parsed.key.length).toBe(KEY_BYTES);
    // An independent derivation with exactly those parameters gives the stored key.
    const key = scryptSync('correct horse battery staple', parsed.salt, 64, { N: 2 ** 17, r: 8, p: 1, maxmem: 2 ** 28 });
    expect(key.equals(parsed.key)).toBe(true);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it('salts every hash, rejects tampered or malformed hashes, and flags weaker ones for rehash', async () => {
    const params = { N: 2 ** 16, r: 8, p: 1 };
    const a = await hashPassword('pässwörd-1', params);
    const b = await hashPassword('pässwörd-1', params);
    expect(a).not.toBe(b);
    // Unicode normalization: the composed and decomposed forms are the same password.
    expect(await verifyPassword('pa\u0308sswo\u0308rd-1', a)).toBe(true);
    const parts = a.split('$');
    const flipped = Buffer.from(parts[5]!, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    expect(await verifyPassword('pässwörd-1', [...parts.slice(0, 5), flipped.toString('base64')].join('$'))).toBe(false);
    expect(await verifyPassword('x', 'plain')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$1024$8$1$c2FsdHNhbHRzYWx0c2FsdA==$a2V5')).toBe(false); // N below the floor
    expect(needsRehash(a)).toBe(true); // 2^16 < the 2^17 default
    expect(needsRehash(a, params)).toBe(false);
  });

  it('refuses weak scrypt parameters', () => {
    expect(() => checkScryptParams({ N: 2 ** 14, r: 8, p: 1 })).toThrow(/power of two/);
    expect(() => checkScryptParams({ N: 100_000, r: 8, p: 1 })).toThrow(/power of two/);
    expect(() => checkScryptParams({ N: 2 ** 16, r: 4, p: 1 })).toThrow(/r must/);
    expect(() => checkScryptParams({ N: 2 ** 16, r: 8, p: 1 })).not.toThrow();
  });

  it('enforces the password length policy with typed errors', () => {
    const bad = (pw: unknown, policy = { minLength: 8, maxLength: 256 }): string => {
      try {
        checkPassword(pw, policy);
      } catch (err) {
        expect(err).toBeInstanceOf(OutpostError);
        return (err as OutpostError).code + ': ' + (err as Error).message;
      }
      return 'ok';
    };
    expect(bad('short')).toMatch(/bad_message: .*at least 8/);
    expect(bad('x'.repeat(257))).toMatch(/at most 256/);
    expect(bad('😀'.repeat(300), { minLength: 8, maxLength: 1000 })).toMatch(/at most/); // 1024 bytes max whatever the policy
    expect(bad(12345678)).toMatch(/must be a string/);
    expect(bad('😀😀😀😀😀😀😀😀')).toBe('ok'); // 8 characters, counted as code points
    expect(bad('long enough')).toBe('ok');
  });
});
