import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { OutpostError } from '../../errors.ts';

/*
 * Password hashing with scrypt (node:crypto), explicit parameters: N = 2^17 (cost), r = 8
 * (block size), p = 1 (parallelism), a 32-byte random salt and a 64-byte key. One hash needs
 * 128·N·r·p = 128 MiB of memory; `maxmem` is set above that (Node's default of 32 MiB would
 * refuse these parameters). Hashes carry their parameters, so raising them later still verifies
 * old hashes (and `needsRehash` tells the caller to upgrade one at the next login).
 *
 *   scrypt$<N>$<r>$<p>$<salt, base64>$<key, base64>
 */

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const SCRYPT_DEFAULTS: ScryptParams = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });
export const MIN_SCRYPT_N = 2 ** 16;
export const SALT_BYTES = 32;
export const KEY_BYTES = 64;

export interface PasswordPolicy {
  readonly minLength: number;
  readonly maxLength: number;
}

export const PASSWORD_DEFAULTS: PasswordPolicy = Object.freeze({ minLength: 8, maxLength: 256 });
/** Whatever the policy, a password is never longer than this many UTF-8 bytes (hashing cost is per byte). */
export const MAX_PASSWORD_BYTES = 1024;

function maxmemFor(params: ScryptParams): number {
  return 2 * 128 * params.N * params.r * params.p;
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: maxmemFor(params) };
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export function checkScryptParams(params: ScryptParams): void {
  const { N, r, p } = params;
  if (!Number.isInteger(N) || N < MIN_SCRYPT_N || N > 2 ** 20 || (N & (N - 1)) !== 0) {
    throw new Error(`scrypt N must be a power of two from 2^16 to 2^20, not ${N}`);
  }
  if (!Number.isInteger(r) || r < 8 || r > 32) throw new Error(`scrypt r must be an integer from 8 to 32, not ${r}`);
  if (!Number.isInteger(p) || p < 1 || p > 16) throw new Error(`scrypt p must be an integer from 1 to 16, not ${p}`);
}

/** Throws `bad_message` when the password breaks the policy. */
export function checkPassword(password: unknown, policy: PasswordPolicy = PASSWORD_DEFAULTS): string {
  if (typeof password !== 'string') throw new OutpostError('bad_message', 'password must be a string');
  const length = [...password].length;
  if (length < policy.minLength) throw new OutpostError('bad_message', `password must be at least ${policy.minLength} characters`);
  if (length > policy.maxLength || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) {
    throw new OutpostError('bad_message', `password must be at most ${policy.maxLength} characters`);
  }
  return password;
}

export async function hashPassword(password: string, params: ScryptParams = SCRYPT_DEFAULTS): Promise<string> {
  checkScryptParams(params);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export function parseHash(hash: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const params = { N: Number(parts[1]), r: Number(parts[2]), p: Number(parts[3]) };
  try {
    checkScryptParams(params);
  } catch {
    return undefined;
  }
  const salt = Buffer.from(parts[4]!, 'base64');
  const key = Buffer.from(parts[5]!, 'base64');
  if (salt.length < 16 || key.length < 32) return undefined;
  return { params, salt, key };
}

/** Whether `password` matches `hash`; compares in constant time. A malformed hash never matches. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** Whether a stored hash uses weaker parameters than `params` (upgrade it after a good login). */
export function needsRehash(hash: string, params: ScryptParams = SCRYPT_DEFAULTS): boolean {
  const parsed = parseHash(hash);
  return !parsed || parsed.params.N < params.N || parsed.params.r < params.r || parsed.params.p < params.p || parsed.key.length < KEY_BYTES;
}

let dummy: Promise<string> | undefined;

/**
 * Spends the time of one verification without a user, so that "no such email" and "wrong
 * password" take as long as each other.
 */
export async function burnVerification(password: string, params: ScryptParams = SCRYPT_DEFAULTS): Promise<void> {
  dummy ??= hashPassword('outpost-dummy-password', params);
  await verifyPassword(password, await dummy);
}
