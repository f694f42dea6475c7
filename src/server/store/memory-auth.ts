import { OutpostError } from '../../errors.ts';
import type { ApiKeyRow, AuthStore, RefreshFamilyRow, RefreshTokenRow, UserPatch, UserRow } from './types.ts';

/** The auth tables in memory. Every method runs synchronously, so each is atomic. */
export class MemoryAuthStore implements AuthStore {
  private readonly users = new Map<string, UserRow>();
  private readonly emails = new Map<string, string>();
  private readonly identities = new Map<string, string>();
  private readonly families = new Map<string, RefreshFamilyRow>();
  private readonly tokens = new Map<string, RefreshTokenRow>();
  private readonly keys = new Map<string, ApiKeyRow>();

  private static copy<T>(v: T): T {
    return structuredClone(v);
  }

  async createUser(user: UserRow): Promise<void> {
    this.insertUser(user);
  }

  private insertUser(user: UserRow): void {
    if (this.users.has(user.id)) throw new OutpostError('user_exists', 'a user with this id exists');
    if (user.email !== null && this.emails.has(user.email)) throw new OutpostError('user_exists', 'an account with this email exists');
    this.users.set(user.id, MemoryAuthStore.copy(user));
    if (user.email !== null) this.emails.set(user.email, user.id);
  }

  async getUser(id: string): Promise<UserRow | undefined> {
    const u = this.users.get(id);
    return u && MemoryAuthStore.copy(u);
  }

  async getUserByEmail(email: string): Promise<UserRow | undefined> {
    const id = this.emails.get(email);
    return id === undefined ? undefined : this.getUser(id);
  }

  async listUsers(page: { afterId?: string; limit: number }): Promise<UserRow[]> {
    return [...this.users.values()]
      .filter((u) => page.afterId === undefined || u.id > page.afterId)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, Math.max(0, page.limit))
      .map((u) => MemoryAuthStore.copy(u));
  }

  async updateUser(id: string, patch: UserPatch): Promise<boolean> {
    const u = this.users.get(id);
    if (!u) return false;
    if (patch.email !== undefined && patch.email !== u.email && patch.email !== null && this.emails.has(patch.email)) {
      throw new OutpostError('user_exists', 'an account with this email exists');
    }
    const next: UserRow = { ...u, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
    if (u.email !== null) this.emails.delete(u.email);
    if (next.email !== null) this.emails.set(next.email, id);
    this.users.set(id, MemoryAuthStore.copy(next));
    return true;
  }

  async deleteUser(id: string): Promise<boolean> {
    const u = this.users.get(id);
    if (!u) return false;
    this.users.delete(id);
    if (u.email !== null) this.emails.delete(u.email);
    for (const [k, v] of this.identities) if (v === id) this.identities.delete(k);
    for (const [k, f] of this.families) if (f.userId === id) this.families.delete(k);
    for (const [k, t] of this.tokens) if (t.userId === id) this.tokens.delete(k);
    for (const [k, a] of this.keys) if (a.userId === id) this.keys.delete(k);
    return true;
  }

  async ensureIdentityUser(provider: string, subject: string, candidate: UserRow): Promise<{ user: UserRow; created: boolean }> {
    const k = `${provider}\u0000${subject}`;
    const existing = this.identities.get(k);
    if (existing !== undefined) {
      const user = this.users.get(existing);
      if (user) return { user: MemoryAuthStore.copy(user), created: false };
    }
    // Synchronous from the check to the link, so concurrent calls cannot both create.
    this.insertUser(candidate);
    this.identities.set(k, candidate.id);
    return { user: MemoryAuthStore.copy(candidate), created: true };
  }

  async createRefreshFamily(family: RefreshFamilyRow, first: RefreshTokenRow): Promise<void> {
    this.families.set(family.id, { ...family });
    this.tokens.set(first.hash, { ...first });
  }

  async getRefreshFamily(id: string): Promise<RefreshFamilyRow | undefined> {
    const f = this.families.get(id);
    return f && { ...f };
  }

  async getRefreshToken(hash: string): Promise<RefreshTokenRow | undefined> {
    const t = this.tokens.get(hash);
    return t && { ...t };
  }

  async rotateRefreshToken(spent: { hash: string; spentAt: number; successorBlob: string }, next: RefreshTokenRow): Promise<boolean> {
    const t = this.tokens.get(spent.hash);
    if (!t || t.spentAt !== null) return false;
    this.tokens.set(spent.hash, { ...t, spentAt: spent.spentAt, successorHash: next.hash, successorBlob: spent.successorBlob });
    this.tokens.set(next.hash, { ...next });
    return true;
  }

  async revokeRefreshFamily(id: string, at: number): Promise<void> {
    const f = this.families.get(id);
    if (f && f.revokedAt === null) this.families.set(id, { ...f, revokedAt: at });
  }

  async revokeUserRefreshFamilies(userId: string, at: number): Promise<void> {
    for (const [id, f] of this.families) if (f.userId === userId && f.revokedAt === null) this.families.set(id, { ...f, revokedAt: at });
  }

  async pruneRefreshTokens(now: number): Promise<number> {
    let n = 0;
    for (const [k, t] of this.tokens) {
      if (t.expiresAt < now) {
        this.tokens.delete(k);
        n++;
      }
    }
    return n;
  }

  async createApiKey(key: ApiKeyRow): Promise<void> {
    this.keys.set(key.id, { ...key });
  }

  async getApiKeyByHash(hash: string): Promise<ApiKeyRow | undefined> {
    for (const k of this.keys.values()) if (k.hash === hash) return { ...k };
    return undefined;
  }

  async getApiKey(id: string): Promise<ApiKeyRow | undefined> {
    const k = this.keys.get(id);
    return k && { ...k };
  }

  async listApiKeys(): Promise<ApiKeyRow[]> {
    return [...this.keys.values()].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)).map((k) => ({ ...k }));
  }

  async revokeApiKey(id: string, at: number): Promise<boolean> {
    const k = this.keys.get(id);
    if (!k) return false;
    if (k.revokedAt === null) this.keys.set(id, { ...k, revokedAt: at });
    return true;
  }
}
