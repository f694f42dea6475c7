import { BehaviorSubject, type Observable } from 'rxjs';
import { OutpostError } from '../protocol/index.ts';
import type { LockManagerLike } from '../worker/locks.ts';
import { httpJson, type FetchLike } from './http.ts';
import { readJson, type KeyValueStore } from './kv.ts';

/*
 * A logged-in user: an id, a profile and a pair of tokens. The access token (a JWT, at most 15
 * minutes) is refreshed before it expires; the refresh token rotates on every refresh, and the
 * server revokes the whole family if a spent one is presented again. Several tabs share the user
 * through storage, so a refresh runs under a cross-tab lock and first looks whether another tab
 * already refreshed (otherwise two tabs would spend one token twice and log the user out).
 */

export interface Tokens {
  readonly userId: string;
  readonly accessToken: string;
  readonly accessTokenExpiresAt: number;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: number;
  readonly provider: string;
}

/** The access token's `iat` claim in ms (the server's clock), if the token is a JWT that has one. */
function issuedAtMs(jwt: string): number | undefined {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const iat = (JSON.parse(json) as { iat?: unknown }).iat;
    return typeof iat === 'number' && Number.isFinite(iat) ? iat * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The server states expiries by its own clock, and this device's clock may be hours off: a
 * device ahead would find every new token already expired and refresh it every second, forever;
 * one behind would keep presenting a token the server has expired. Expiries are kept by this
 * device's clock instead: shifted by the difference between when the tokens were asked for here
 * and when the server issued them (`iat`). `iat` is whole seconds, hence one second earlier.
 */
export function localizeTokens(tokens: Tokens, askedAt: number): Tokens {
  const issued = issuedAtMs(tokens.accessToken);
  if (issued === undefined) return tokens;
  const shift = askedAt - issued - 1000;
  return { ...tokens, accessTokenExpiresAt: tokens.accessTokenExpiresAt + shift, refreshTokenExpiresAt: tokens.refreshTokenExpiresAt + shift };
}

export interface UserProfile {
  readonly userId: string;
  readonly provider: string;
  readonly email?: string;
  readonly customData: Record<string, unknown>;
}

export interface PersistedUser {
  readonly tokens: Tokens;
  readonly profile: UserProfile;
}

export interface PersistedUsers {
  current: string | null;
  users: Record<string, PersistedUser>;
}

export type UserState = 'logged-in' | 'logged-out' | 'removed';

/** What a User needs from its App. */
export interface UserContext {
  readonly appId: string;
  readonly baseUrl: string;
  readonly fetch: FetchLike;
  readonly store: KeyValueStore;
  readonly storageKey: string;
  readonly locks: LockManagerLike | undefined;
  save(user: User): void;
  loggedOut(user: User): void;
}

export class User {
  private tokens: Tokens;
  private _profile: UserProfile;
  private readonly state$$: BehaviorSubject<UserState>;
  private refreshing: Promise<Tokens> | undefined;

  constructor(
    private readonly ctx: UserContext,
    persisted: PersistedUser,
  ) {
    this.tokens = persisted.tokens;
    this._profile = persisted.profile;
    this.state$$ = new BehaviorSubject<UserState>('logged-in');
  }

  get id(): string {
    return this.tokens.userId;
  }

  get provider(): string {
    return this.tokens.provider;
  }

  get profile(): UserProfile {
    return this._profile;
  }

  get customData(): Record<string, unknown> {
    return this._profile.customData;
  }

  get accessToken(): string | null {
    return this.isLoggedIn ? this.tokens.accessToken : null;
  }

  get accessTokenExpiresAt(): number {
    return this.tokens.accessTokenExpiresAt;
  }

  get refreshToken(): string | null {
    return this.isLoggedIn ? this.tokens.refreshToken : null;
  }

  get state(): UserState {
    return this.state$$.value;
  }

  get state$(): Observable<UserState> {
    return this.state$$.asObservable();
  }

  get isLoggedIn(): boolean {
    return this.state$$.value === 'logged-in';
  }

  /** The persisted form (what the App writes to storage). */
  toPersisted(): PersistedUser {
    return { tokens: this.tokens, profile: this._profile };
  }

  /** @internal Adopts tokens (after a login of the same user). */
  setTokens(tokens: Tokens, profile?: UserProfile): void {
    this.tokens = tokens;
    if (profile) this._profile = profile;
    if (this.state$$.value !== 'logged-in') this.state$$.next('logged-in');
  }

  /** An access token valid for at least `minValidityMs` more, refreshing it if needed. */
  async getAccessToken(options: { minValidityMs?: number } = {}): Promise<{ token: string; expiresAt: number }> {
    if (!this.isLoggedIn) throw new OutpostError('unauthorized', `user ${this.id} is logged out`);
    const min = options.minValidityMs ?? 30_000;
    if (this.tokens.accessTokenExpiresAt - Date.now() >= min) return { token: this.tokens.accessToken, expiresAt: this.tokens.accessTokenExpiresAt };
    const t = await this.refresh(min);
    return { token: t.accessToken, expiresAt: t.accessTokenExpiresAt };
  }

  /** Gets a new access token now (rotating the refresh token). */
  async refreshAccessToken(): Promise<void> {
    await this.refresh(Number.MAX_SAFE_INTEGER);
  }

  private refresh(minValidityMs: number): Promise<Tokens> {
    // One refresh at a time in this tab; across tabs, the lock below.
    this.refreshing ??= this.refreshLocked(minValidityMs).finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async refreshLocked(minValidityMs: number): Promise<Tokens> {
    const run = () => this.doRefresh(minValidityMs);
    const locks = this.ctx.locks;
    if (!locks) return run();
    return locks.request(`outpost-refresh:${this.ctx.appId}:${this.id}`, { mode: 'exclusive' }, run);
  }

  private async doRefresh(minValidityMs: number): Promise<Tokens> {
    // Another tab may have refreshed while this one waited for the lock.
    const stored = readJson<PersistedUsers>(this.ctx.store, this.ctx.storageKey)?.users[this.id];
    if (stored && stored.tokens.refreshToken !== this.tokens.refreshToken) {
      this.tokens = stored.tokens;
      if (minValidityMs !== Number.MAX_SAFE_INTEGER && this.tokens.accessTokenExpiresAt - Date.now() >= minValidityMs) return this.tokens;
    }
    try {
      const askedAt = Date.now();
      const tokens = localizeTokens(await httpJson<Tokens>(this.ctx.fetch, this.ctx.baseUrl, '/api/auth/refresh', { body: { refreshToken: this.tokens.refreshToken } }), askedAt);
      this.tokens = tokens;
      this.ctx.save(this);
      return tokens;
    } catch (err) {
      if (err instanceof OutpostError && (err.code === 'invalid_credentials' || err.code === 'refresh_token_reused' || err.code === 'unauthorized')) {
        this.markLoggedOut();
      }
      throw err;
    }
  }

  /** Reads the profile again from the server. */
  async refreshProfile(): Promise<UserProfile> {
    const { token } = await this.getAccessToken();
    this._profile = await httpJson<UserProfile>(this.ctx.fetch, this.ctx.baseUrl, '/api/auth/profile', { token });
    this.ctx.save(this);
    return this._profile;
  }

  /** Ends the session on the server (revoking the refresh token) and forgets the tokens here. */
  async logOut(): Promise<void> {
    if (!this.isLoggedIn) return;
    const refreshToken = this.tokens.refreshToken;
    this.markLoggedOut();
    try {
      await httpJson<void>(this.ctx.fetch, this.ctx.baseUrl, '/api/auth/logout', { body: { refreshToken } });
    } catch {
      // Offline: the refresh token is forgotten here and expires on its own.
    }
  }

  /** @internal */
  markLoggedOut(): void {
    if (this.state$$.value !== 'logged-in') return;
    this.state$$.next('logged-out');
    this.ctx.loggedOut(this);
  }

  /** @internal */
  markRemoved(): void {
    this.state$$.next('removed');
  }
}
