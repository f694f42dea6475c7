import { OutpostError } from '../../errors.ts';
import type { PermissionUser } from '../../query/index.ts';
import type { AuthStore, RefreshTokenRow, UserRow } from '../store/types.ts';
import { AccessTokens, type AccessTokenSigning, type VerifiedAccessToken } from './access-token.ts';
import { CustomJwtVerifier, type CustomJwtOptions } from './custom-jwt.ts';
import { burnVerification, checkPassword, hashPassword, needsRehash, PASSWORD_DEFAULTS, SCRYPT_DEFAULTS, verifyPassword, type PasswordPolicy, type ScryptParams } from './password.ts';
import { AttemptLimiter, type LimitRule } from './rate-limit.ts';
import { newId, newSecret, openWith, sealFor, sha256 } from './secrets.ts';

/*
 * Authentication: providers (anonymous, email/password, custom JWT, server API keys), access
 * tokens (short JWTs) and refresh tokens (opaque, rotating, in families).
 *
 * Refresh-token rotation: every use of a refresh token spends it and issues a new pair. A spent
 * token presented again means it leaked (or a client misbehaves): the whole family is revoked
 * (`refresh_token_reused`) and the user must log in again. One exception keeps honest clients
 * working when a response is lost: the token spent most recently in its family (its successor
 * still unused), presented again within the grace window (default 30 s), returns the SAME pair
 * as the first time, idempotently. The pair is kept sealed with a key only that token's holder
 * can derive (secrets.ts). The cost of the choice: someone holding a stolen token can replay it
 * inside that window and get the pair, which the reuse rule would otherwise have stopped; after
 * the window, or once the successor was used, reuse revokes the family as usual.
 */

export type Provider = 'anonymous' | 'email' | 'jwt' | 'api-key';

export interface AuthServiceOptions {
  readonly store: AuthStore;
  readonly issuer: string;
  readonly audience: string;
  readonly signing: AccessTokenSigning;
  /** At most 900 (15 minutes). Default 600. */
  readonly accessTokenTtlSeconds?: number;
  /** Each rotation extends the family this long. Default 60 days. */
  readonly refreshTokenTtlSeconds?: number;
  /** How long the previous token of a family may be retried. Default 30 s. */
  readonly refreshGraceSeconds?: number;
  readonly providers: { readonly anonymous: boolean; readonly email: boolean; readonly apiKey: boolean; readonly jwt?: CustomJwtOptions };
  readonly password?: PasswordPolicy;
  readonly scrypt?: ScryptParams;
  /** Failed logins allowed per email and per client IP. Defaults: 10 and 100 per 15 minutes. */
  readonly rateLimit?: { readonly perEmail?: LimitRule; readonly perIp?: LimitRule };
  readonly now?: () => number;
}

export interface TokenPair {
  readonly userId: string;
  readonly accessToken: string;
  readonly accessTokenExpiresAt: number;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: number;
  readonly provider: string;
}

export type LoginRequest =
  | { readonly provider: 'anonymous' }
  | { readonly provider: 'email'; readonly email: string; readonly password: string }
  | { readonly provider: 'jwt'; readonly token: string }
  | { readonly provider: 'api-key'; readonly key: string };

export interface Profile {
  readonly userId: string;
  readonly provider: string;
  readonly email?: string;
  readonly customData: Record<string, unknown>;
}

/** Who is asking: the client address, for rate limits. */
export interface RequestInfo {
  readonly ip: string;
}

const REFRESH_PREFIX = 'ort_';
const API_KEY_PREFIX = 'opk_';

export function normalizeEmail(raw: unknown): string {
  if (typeof raw !== 'string') throw new OutpostError('bad_message', 'email must be a string');
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(email)) throw new OutpostError('bad_message', 'email is not a valid address');
  return email;
}

const invalid = (): OutpostError => new OutpostError('invalid_credentials', 'invalid credentials');

/** Logins that ended: one login (`sessionId`, a refresh-token family) or every login of a user. */
export type RevokedSessions = { readonly sessionId: string; readonly userId?: undefined } | { readonly userId: string; readonly sessionId?: undefined };

export class AuthService {
  readonly store: AuthStore;
  readonly accessTokens: AccessTokens;
  private readonly customJwt: CustomJwtVerifier | undefined;
  private readonly now: () => number;
  private readonly refreshTtlMs: number;
  private readonly graceMs: number;
  private readonly scrypt: ScryptParams;
  private readonly passwordPolicy: PasswordPolicy;
  private readonly emailLimiter: AttemptLimiter;
  private readonly ipLimiter: AttemptLimiter;

  constructor(private readonly options: AuthServiceOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.accessTokens = new AccessTokens({
      issuer: options.issuer,
      audience: options.audience,
      signing: options.signing,
      ttlSeconds: options.accessTokenTtlSeconds ?? 600,
      now: this.now,
    });
    this.customJwt = options.providers.jwt ? new CustomJwtVerifier(options.providers.jwt, this.now) : undefined;
    this.refreshTtlMs = (options.refreshTokenTtlSeconds ?? 60 * 86_400) * 1000;
    this.graceMs = (options.refreshGraceSeconds ?? 30) * 1000;
    this.scrypt = options.scrypt ?? SCRYPT_DEFAULTS;
    this.passwordPolicy = options.password ?? PASSWORD_DEFAULTS;
    this.emailLimiter = new AttemptLimiter(options.rateLimit?.perEmail ?? { max: 10, windowSeconds: 900 }, this.now);
    this.ipLimiter = new AttemptLimiter(options.rateLimit?.perIp ?? { max: 100, windowSeconds: 900 }, this.now);
  }

  private requireProvider(p: Provider): void {
    const on = p === 'anonymous' ? this.options.providers.anonymous : p === 'email' ? this.options.providers.email : p === 'api-key' ? this.options.providers.apiKey : this.customJwt !== undefined;
    if (!on) throw new OutpostError('permission_denied', `the ${p} provider is not enabled`);
  }

  newUser(provider: Provider, fields: Partial<Pick<UserRow, 'email' | 'passwordHash' | 'customData'>> = {}): UserRow {
    return { id: newId(), email: fields.email ?? null, passwordHash: fields.passwordHash ?? null, provider, customData: fields.customData ?? {}, createdAt: this.now() };
  }

  /** Email/password registration: `user_exists` when the email has an account. */
  async register(email: unknown, password: unknown, info: RequestInfo): Promise<{ userId: string }> {
    this.requireProvider('email');
    this.ipLimiter.check(`register:${info.ip}`);
    const normalized = normalizeEmail(email);
    const pw = checkPassword(password, this.passwordPolicy);
    const user = this.newUser('email', { email: normalized, passwordHash: await hashPassword(pw, this.scrypt) });
    try {
      await this.store.createUser(user);
    } catch (err) {
      // Registration probing is rate-limited like failed logins.
      if (err instanceof OutpostError && err.code === 'user_exists') this.ipLimiter.fail(`register:${info.ip}`);
      throw err;
    }
    return { userId: user.id };
  }

  async login(req: LoginRequest, info: RequestInfo): Promise<TokenPair> {
    this.requireProvider(req.provider);
    switch (req.provider) {
      case 'anonymous': {
        const user = this.newUser('anonymous');
        await this.store.createUser(user);
        return this.issue(user.id, 'anonymous');
      }
      case 'email':
        return this.issue(await this.checkEmailPassword(req.email, req.password, info), 'email');
      case 'jwt': {
        const ext = await this.customJwt!.verify(req.token);
        const { user, created } = await this.store.ensureIdentityUser('jwt', ext.subject, this.newUser('jwt', { customData: ext.customData }));
        if (!created) await this.refreshExternalFields(user, ext.customData, ext.email);
        else if (ext.email !== undefined) await this.setEmailIfFree(user.id, ext.email);
        return this.issue(user.id, 'jwt');
      }
      case 'api-key': {
        if (typeof req.key !== 'string' || !req.key.startsWith(API_KEY_PREFIX) || req.key.length > 200) throw invalid();
        const key = await this.store.getApiKeyByHash(sha256(req.key));
        if (!key || key.revokedAt !== null) throw invalid();
        return this.issue(key.userId, 'api-key');
      }
    }
  }

  /**
   * Checks an email and password (rate-limited like a login) without issuing tokens: the
   * operator's dashboard logs admin users in with them. Returns the user id.
   */
  async verifyEmailPassword(email: unknown, password: unknown, info: RequestInfo): Promise<string> {
    this.requireProvider('email');
    if (typeof email !== 'string' || typeof password !== 'string') throw invalid();
    return this.checkEmailPassword(email, password, info);
  }

  private async checkEmailPassword(rawEmail: string, password: string, info: RequestInfo): Promise<string> {
    const email = normalizeEmail(rawEmail);
    this.ipLimiter.check(info.ip);
    this.emailLimiter.check(email);
    const user = typeof password === 'string' && password.length <= this.passwordPolicy.maxLength * 4 ? await this.store.getUserByEmail(email) : undefined;
    const ok = user?.passwordHash ? await verifyPassword(password, user.passwordHash) : (await burnVerification(String(password), this.scrypt), false);
    if (!ok || !user) {
      this.ipLimiter.fail(info.ip);
      this.emailLimiter.fail(email);
      throw invalid();
    }
    this.emailLimiter.succeed(email);
    if (needsRehash(user.passwordHash!, this.scrypt)) await this.store.updateUser(user.id, { passwordHash: await hashPassword(password, this.scrypt) });
    return user.id;
  }

  private async refreshExternalFields(user: UserRow, customData: Record<string, unknown>, email: string | undefined): Promise<void> {
    if (Object.keys(customData).length > 0) await this.store.updateUser(user.id, { customData: { ...user.customData, ...customData } });
    if (email !== undefined && user.email === null) await this.setEmailIfFree(user.id, email);
  }

  private async setEmailIfFree(userId: string, rawEmail: string): Promise<void> {
    try {
      await this.store.updateUser(userId, { email: normalizeEmail(rawEmail) });
    } catch {
      // Taken by another account, or not an address: the JWT user simply has no email here.
    }
  }

  /** A new access token and a new refresh-token family for a user. */
  async issue(userId: string, provider: string): Promise<TokenPair> {
    const now = this.now();
    const refreshToken = newSecret(REFRESH_PREFIX);
    const familyId = newId();
    const row = this.tokenRow(refreshToken, familyId, userId, provider, now);
    await this.store.createRefreshFamily({ id: familyId, userId, provider, createdAt: now, revokedAt: null }, row);
    const access = await this.accessTokens.sign(userId, provider, familyId);
    return { userId, accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, refreshTokenExpiresAt: row.expiresAt, provider };
  }

  private tokenRow(token: string, familyId: string, userId: string, provider: string, now: number): RefreshTokenRow {
    return { hash: sha256(token), familyId, userId, provider, createdAt: now, expiresAt: now + this.refreshTtlMs, spentAt: null, successorHash: null, successorBlob: null };
  }

  /** Exchanges a refresh token for a new pair (see the header comment for reuse and retries). */
  async refresh(refreshToken: unknown): Promise<TokenPair> {
    if (typeof refreshToken !== 'string' || !refreshToken.startsWith(REFRESH_PREFIX) || refreshToken.length > 200) throw invalid();
    const hash = sha256(refreshToken);
    let row = await this.store.getRefreshToken(hash);
    if (!row) throw invalid();
    const family = await this.store.getRefreshFamily(row.familyId);
    const now = this.now();
    if (!family || family.revokedAt !== null || row.expiresAt <= now || !(await this.store.getUser(row.userId))) throw invalid();
    if (row.spentAt === null) {
      const nextToken = newSecret(REFRESH_PREFIX);
      const next = this.tokenRow(nextToken, row.familyId, row.userId, row.provider, now);
      const access = await this.accessTokens.sign(row.userId, row.provider, row.familyId);
      const pair: TokenPair = {
        userId: row.userId,
        accessToken: access.token,
        accessTokenExpiresAt: access.expiresAt,
        refreshToken: nextToken,
        refreshTokenExpiresAt: next.expiresAt,
        provider: row.provider,
      };
      if (await this.store.rotateRefreshToken({ hash, spentAt: now, successorBlob: sealFor(refreshToken, JSON.stringify(pair)) }, next)) return pair;
      // Someone rotated it a moment before us (a concurrent retry): treat this as a retry.
      row = (await this.store.getRefreshToken(hash))!;
    }
    return this.retryOrReuse(refreshToken, row, now);
  }

  private async retryOrReuse(refreshToken: string, row: RefreshTokenRow, now: number): Promise<TokenPair> {
    const successor = row.successorHash ? await this.store.getRefreshToken(row.successorHash) : undefined;
    const withinGrace = row.spentAt !== null && now - row.spentAt <= this.graceMs;
    if (withinGrace && successor && successor.spentAt === null && row.successorBlob) {
      const plain = openWith(refreshToken, row.successorBlob);
      if (plain !== undefined) return JSON.parse(plain) as TokenPair;
    }
    await this.store.revokeRefreshFamily(row.familyId, now);
    this.revoked({ sessionId: row.familyId });
    throw new OutpostError('refresh_token_reused', 'this refresh token was already used: every session of this login is revoked; log in again');
  }

  /** Revokes the token's whole family. Unknown tokens are ignored (logout is idempotent). */
  async logout(refreshToken: unknown): Promise<void> {
    if (typeof refreshToken !== 'string' || !refreshToken.startsWith(REFRESH_PREFIX) || refreshToken.length > 200) return;
    const row = await this.store.getRefreshToken(sha256(refreshToken));
    if (row) {
      await this.store.revokeRefreshFamily(row.familyId, this.now());
      this.revoked({ sessionId: row.familyId });
    }
  }

  /**
   * Verifies an access token: `{ userId, provider, expiresAt, sessionId? }`, or `unauthorized` /
   * `token_expired`. A token whose login was logged out (or revoked), or whose user was deleted,
   * no longer verifies, even before it expires.
   */
  async verifyAccessToken(token: string): Promise<VerifiedAccessToken> {
    const verified = await this.accessTokens.verify(token);
    const why = await this.endedReason(verified.userId, verified.sessionId);
    if (why) throw new OutpostError('unauthorized', why);
    return verified;
  }

  /** Why an access token's sessions must end (its login ended, its user is gone), or undefined. */
  async endedReason(userId: string, sessionId: string | undefined): Promise<string | undefined> {
    if (!(await this.store.getUser(userId))) return 'the user no longer exists';
    if (sessionId !== undefined) {
      const family = await this.store.getRefreshFamily(sessionId);
      if (!family || family.revokedAt !== null) return 'this login ended (the user logged out, or it was revoked)';
    }
    return undefined;
  }

  private readonly revokedListeners = new Set<(r: RevokedSessions) => void>();

  /**
   * Tells `listener` when logins end on this node (logout, a refresh token reused, an API key
   * revoked, a user deleted) so that their running sync sessions can be closed at once.
   * Returns the unsubscribe function.
   */
  onRevoked(listener: (r: RevokedSessions) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  private revoked(r: RevokedSessions): void {
    for (const l of this.revokedListeners) l(r);
  }

  /** The user as permission rules see it; `unauthorized` when the user no longer exists. */
  async loadUser(userId: string): Promise<PermissionUser> {
    const user = await this.store.getUser(userId);
    if (!user) throw new OutpostError('unauthorized', 'the user no longer exists');
    return { id: user.id, email: user.email, custom_data: user.customData };
  }

  async profile(accessToken: string): Promise<Profile> {
    const verified = await this.verifyAccessToken(accessToken);
    const user = await this.store.getUser(verified.userId);
    if (!user) throw new OutpostError('unauthorized', 'the user no longer exists');
    return { userId: user.id, provider: verified.provider, ...(user.email !== null ? { email: user.email } : {}), customData: user.customData };
  }

  // ---- administration (the admin API) ----------------------------------------------------------

  async createUser(input: { email?: unknown; password?: unknown; customData?: Record<string, unknown> }): Promise<UserRow> {
    const hasEmail = input.email !== undefined;
    const user = hasEmail
      ? this.newUser('email', {
          email: normalizeEmail(input.email),
          passwordHash: await hashPassword(checkPassword(input.password, this.passwordPolicy), this.scrypt),
          customData: input.customData ?? {},
        })
      : this.newUser('anonymous', { customData: input.customData ?? {} });
    await this.store.createUser(user);
    return user;
  }

  async deleteUser(id: string): Promise<boolean> {
    const deleted = await this.store.deleteUser(id);
    if (deleted) this.revoked({ userId: id });
    return deleted;
  }

  async setCustomData(id: string, customData: Record<string, unknown>): Promise<boolean> {
    return this.store.updateUser(id, { customData });
  }

  /** A server API key: its own user, and the key itself (shown once; only its hash is kept). */
  async createApiKey(name: string): Promise<{ id: string; name: string; key: string; userId: string; createdAt: number }> {
    const user = this.newUser('api-key', { customData: { apiKeyName: name } });
    await this.store.createUser(user);
    const key = newSecret(API_KEY_PREFIX);
    const row = { id: newId(), name, hash: sha256(key), userId: user.id, createdAt: this.now(), revokedAt: null };
    await this.store.createApiKey(row);
    return { id: row.id, name, key, userId: user.id, createdAt: row.createdAt };
  }

  /** Revokes the key and every refresh-token family of its user. */
  async revokeApiKey(id: string): Promise<boolean> {
    const key = await this.store.getApiKey(id);
    if (!key) return false;
    const now = this.now();
    await this.store.revokeApiKey(id, now);
    await this.store.revokeUserRefreshFamilies(key.userId, now);
    this.revoked({ userId: key.userId });
    return true;
  }

  /** Deletes expired refresh tokens (run it now and then). */
  pruneExpired(): Promise<number> {
    return this.store.pruneRefreshTokens(this.now());
  }
}
