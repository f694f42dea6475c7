import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { OutpostError } from '../../errors.ts';

/*
 * Access tokens: JWTs signed by this server (jose), typ `at+jwt` (RFC 9068) so that no other
 * kind of JWT signed with the same key is accepted as one. Claims: iss, aud, sub (the user id),
 * iat, exp (at most 15 minutes after iat), jti, and `provider`. The algorithm is pinned on
 * verification: only the configured one is accepted (never `none`, never another family).
 */

export const MAX_ACCESS_TOKEN_SECONDS = 15 * 60;
const TYP = 'at+jwt';

export type AccessTokenSigning =
  | { readonly alg: 'HS256'; readonly secret: string }
  | {
      readonly alg: 'EdDSA' | 'ES256';
      /** PKCS#8 PEM private key. */
      readonly privateKey: string;
      /** Extra SPKI PEM public keys still accepted (key rotation). */
      readonly previousPublicKeys?: readonly string[];
    };

export interface AccessTokenOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly signing: AccessTokenSigning;
  readonly ttlSeconds: number;
  readonly now?: () => number;
}

export interface VerifiedAccessToken {
  readonly userId: string;
  readonly provider: string;
  /** Unix milliseconds. */
  readonly expiresAt: number;
  /** The login (refresh-token family) the token was issued for: logging out ends it. */
  readonly sessionId?: string;
}

export const MIN_HS256_SECRET_BYTES = 32;

export class AccessTokens {
  private readonly signKey: KeyObject | Uint8Array;
  private readonly verifyKeys: (KeyObject | Uint8Array)[];
  private readonly now: () => number;

  constructor(private readonly options: AccessTokenOptions) {
    if (!(options.ttlSeconds > 0 && options.ttlSeconds <= MAX_ACCESS_TOKEN_SECONDS)) {
      throw new Error(`the access token lifetime must be 1 to ${MAX_ACCESS_TOKEN_SECONDS} seconds`);
    }
    this.now = options.now ?? Date.now;
    const s = options.signing;
    if (s.alg === 'HS256') {
      const bytes = new TextEncoder().encode(s.secret);
      if (bytes.length < MIN_HS256_SECRET_BYTES) throw new Error(`the HS256 secret must be at least ${MIN_HS256_SECRET_BYTES} bytes`);
      this.signKey = bytes;
      this.verifyKeys = [bytes];
    } else {
      const priv = createPrivateKey(s.privateKey);
      const want = s.alg === 'EdDSA' ? 'ed25519' : 'ec';
      if (priv.asymmetricKeyType !== want) throw new Error(`an ${s.alg} signing key must be ${want}, not ${priv.asymmetricKeyType}`);
      if (s.alg === 'ES256' && priv.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('an ES256 signing key must be on P-256');
      this.signKey = priv;
      this.verifyKeys = [createPublicKey(priv), ...(s.previousPublicKeys ?? []).map((pem) => createPublicKey(pem))];
    }
  }

  get alg(): string {
    return this.options.signing.alg;
  }

  async sign(userId: string, provider: string, sessionId?: string): Promise<{ token: string; expiresAt: number }> {
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + this.options.ttlSeconds;
    const token = await new SignJWT({ provider, ...(sessionId !== undefined ? { sid: sessionId } : {}) })
      .setProtectedHeader({ alg: this.options.signing.alg, typ: TYP })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(userId)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomBytes(16).toString('base64url'))
      .sign(this.signKey);
    return { token, expiresAt: exp * 1000 };
  }

  /** The token's user, or OutpostError `token_expired` / `unauthorized`. */
  async verify(token: string): Promise<VerifiedAccessToken> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) throw new OutpostError('unauthorized', 'the access token does not verify');
    let lastError: unknown;
    for (const key of this.verifyKeys) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [this.options.signing.alg],
          issuer: this.options.issuer,
          audience: this.options.audience,
          typ: TYP,
          requiredClaims: ['sub', 'exp', 'iat', 'jti'],
          currentDate: new Date(this.now()),
        });
        const exp = payload.exp!;
        if (exp - payload.iat! > MAX_ACCESS_TOKEN_SECONDS) throw new OutpostError('unauthorized', 'the access token lives too long');
        if (typeof payload.provider !== 'string') throw new OutpostError('unauthorized', 'the access token has no provider');
        return { userId: payload.sub!, provider: payload.provider, expiresAt: exp * 1000, ...(typeof payload.sid === 'string' ? { sessionId: payload.sid } : {}) };
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) throw new OutpostError('token_expired', 'the access token expired; refresh it');
        lastError = err;
        // A signature failure may be a token signed with another of the accepted keys: try the next.
        if (!(err instanceof joseErrors.JWSSignatureVerificationFailed)) break;
      }
    }
    if (lastError instanceof OutpostError) throw lastError;
    throw new OutpostError('unauthorized', 'the access token does not verify');
  }
}
