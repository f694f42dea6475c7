import { createPublicKey, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { OutpostError } from '../../errors.ts';

/*
 * The custom JWT provider: the app's own identity service issues JWTs, Outpost verifies them
 * with configured keys (a JWKS document, a PEM public key, or an HMAC shared secret) and
 * PINNED algorithms, checks issuer, audience and expiry, and maps `sub` to an Outpost user.
 * HMAC algorithms are only accepted with a shared secret and asymmetric ones only with public
 * keys, so a public key can never be (mis)used as an HMAC secret.
 */

export const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type CustomJwtAlg = (typeof HMAC_ALGS)[number] | (typeof ASYMMETRIC_ALGS)[number];

export interface CustomJwtOptions {
  /** Accepted algorithms (pinned). */
  readonly algorithms: readonly CustomJwtAlg[];
  readonly issuer: string;
  readonly audience: string | readonly string[];
  /** A JSON Web Key Set (the document, not a URL: verification never calls out). */
  readonly jwks?: JSONWebKeySet;
  /** An SPKI PEM public key. */
  readonly publicKey?: string;
  /** An HMAC shared secret (at least 32 bytes). */
  readonly secret?: string;
  /** A claim holding the user's email (stored when no other account has it). */
  readonly emailClaim?: string;
  /** Claims copied into the user's custom data at every login. */
  readonly customDataClaims?: readonly string[];
  readonly clockToleranceSeconds?: number;
}

export interface VerifiedExternal {
  readonly subject: string;
  readonly email: string | undefined;
  readonly customData: Record<string, unknown>;
}

const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

export class CustomJwtVerifier {
  private readonly key: KeyObject | Uint8Array | JWTVerifyGetKey;
  private readonly now: () => number;

  constructor(
    private readonly options: CustomJwtOptions,
    now: () => number = Date.now,
  ) {
    this.now = now;
    const algs = options.algorithms;
    if (algs.length === 0) throw new Error('custom JWT: pin at least one algorithm');
    const hmac = algs.filter((a) => (HMAC_ALGS as readonly string[]).includes(a));
    const sources = [options.jwks, options.publicKey, options.secret].filter((x) => x !== undefined).length;
    if (sources !== 1) throw new Error('custom JWT: configure exactly one of jwks, publicKey or secret');
    if (options.secret !== undefined) {
      if (hmac.length !== algs.length) throw new Error('custom JWT: a shared secret goes with HS256/HS384/HS512 only');
      const bytes = new TextEncoder().encode(options.secret);
      if (bytes.length < 32) throw new Error('custom JWT: the shared secret must be at least 32 bytes');
      this.key = bytes;
    } else {
      if (hmac.length > 0) throw new Error('custom JWT: HMAC algorithms need a shared secret, not public keys');
      this.key = options.jwks !== undefined ? createLocalJWKSet(options.jwks) : createPublicKey(options.publicKey!);
    }
    for (const c of options.customDataClaims ?? []) if (RESERVED.has(c)) throw new Error(`custom JWT: claim name ${c} is not allowed`);
  }

  /** Verifies an external JWT; `invalid_credentials` for anything wrong with it. */
  async verify(token: unknown): Promise<VerifiedExternal> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 16_384) throw new OutpostError('invalid_credentials', 'the JWT is missing or too long');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as KeyObject, {
        algorithms: [...this.options.algorithms],
        issuer: this.options.issuer,
        audience: typeof this.options.audience === 'string' ? this.options.audience : [...this.options.audience],
        requiredClaims: ['sub', 'exp'],
        clockTolerance: this.options.clockToleranceSeconds ?? 5,
        currentDate: new Date(this.now()),
      }));
    } catch (err) {
      const why = err instanceof joseErrors.JWTExpired ? 'the JWT expired' : 'the JWT does not verify';
      throw new OutpostError('invalid_credentials', why);
    }
    const subject = payload.sub!;
    if (subject.length === 0 || subject.length > 512) throw new OutpostError('invalid_credentials', 'the JWT subject is empty or too long');
    const customData: Record<string, unknown> = {};
    for (const claim of this.options.customDataClaims ?? []) {
      if (Object.prototype.hasOwnProperty.call(payload, claim)) customData[claim] = payload[claim];
    }
    const emailRaw = this.options.emailClaim ? payload[this.options.emailClaim] : undefined;
    return { subject, email: typeof emailRaw === 'string' ? emailRaw : undefined, customData };
  }
}
