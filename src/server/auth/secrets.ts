import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/*
 * Opaque secrets (refresh tokens, API keys) are 32 random bytes, base64url, with a prefix that
 * says what they are. Only their SHA-256 is stored: they have full entropy, so a fast hash is
 * enough, and it lets the store look them up by hash.
 */

export function newSecret(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function newId(): string {
  return randomBytes(16).toString('hex');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/*
 * The grace-window retry returns the same token pair a lost response carried. The pair is kept
 * encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from the spent refresh token
 * itself: only a holder of that token can read it back, and the database alone never can.
 */

function keyFor(token: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(token, 'utf8'), Buffer.from('outpost.refresh-retry.v1'), Buffer.alloc(0), 32));
}

export function sealFor(token: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(token), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The plaintext, or undefined when `sealed` was not sealed for `token` (or was tampered with). */
export function openWith(token: string, sealed: string): string | undefined {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', keyFor(token), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
