import { OutpostError } from '../../errors.ts';
import { isUniqueViolation, num, numOrNull, sql, type Row, type SqlDatabase, type SqlRunner } from './sql-runner.ts';
import type { ApiKeyRow, AuthStore, RefreshFamilyRow, RefreshTokenRow, UserPatch, UserRow } from './types.ts';

/** The auth tables over SQL (SQLite and PostgreSQL). Writes that touch several rows run in one transaction. */
export class SqlAuthStore implements AuthStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly t: (name: string) => string,
  ) {}

  private q(text: string): string {
    return sql(this.db.dialect, text);
  }

  private static user(r: Row): UserRow {
    const raw = r.custom_data;
    const customData = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>;
    return {
      id: String(r.id),
      email: r.email === null ? null : String(r.email),
      passwordHash: r.password_hash === null ? null : String(r.password_hash),
      provider: String(r.provider),
      customData,
      createdAt: num(r.created_at),
    };
  }

  private static family(r: Row): RefreshFamilyRow {
    return { id: String(r.id), userId: String(r.user_id), provider: String(r.provider), createdAt: num(r.created_at), revokedAt: numOrNull(r.revoked_at) };
  }

  private static token(r: Row): RefreshTokenRow {
    return {
      hash: String(r.hash),
      familyId: String(r.family_id),
      userId: String(r.user_id),
      provider: String(r.provider),
      createdAt: num(r.created_at),
      expiresAt: num(r.expires_at),
      spentAt: numOrNull(r.spent_at),
      successorHash: r.successor_hash === null ? null : String(r.successor_hash),
      successorBlob: r.successor_blob === null ? null : String(r.successor_blob),
    };
  }

  private static apiKey(r: Row): ApiKeyRow {
    return { id: String(r.id), name: String(r.name), hash: String(r.hash), userId: String(r.user_id), createdAt: num(r.created_at), revokedAt: numOrNull(r.revoked_at) };
  }

  private async insertUser(db: SqlRunner, user: UserRow): Promise<void> {
    try {
      await db.run(this.q(`INSERT INTO ${this.t('users')} (id, email, password_hash, provider, custom_data, created_at) VALUES (?, ?, ?, ?, ?, ?)`), [
        user.id,
        user.email,
        user.passwordHash,
        user.provider,
        JSON.stringify(user.customData),
        user.createdAt,
      ]);
    } catch (err) {
      if (isUniqueViolation(err)) throw new OutpostError('user_exists', 'an account with this email exists');
      throw err;
    }
  }

  createUser(user: UserRow): Promise<void> {
    return this.db.write((tx) => this.insertUser(tx, user));
  }

  async getUser(id: string): Promise<UserRow | undefined> {
    const rows = await this.db.all(this.q(`SELECT * FROM ${this.t('users')} WHERE id = ?`), [id]);
    return rows[0] && SqlAuthStore.user(rows[0]);
  }

  async getUserByEmail(email: string): Promise<UserRow | undefined> {
    const rows = await this.db.all(this.q(`SELECT * FROM ${this.t('users')} WHERE email = ?`), [email]);
    return rows[0] && SqlAuthStore.user(rows[0]);
  }

  async listUsers(page: { afterId?: string; limit: number }): Promise<UserRow[]> {
    const rows = await this.db.all(this.q(`SELECT * FROM ${this.t('users')} WHERE id > ? ORDER BY id LIMIT ?`), [page.afterId ?? '', Math.max(0, page.limit)]);
    return rows.map(SqlAuthStore.user);
  }

  async updateUser(id: string, patch: UserPatch): Promise<boolean> {
    const sets: string[] = [];
    const params: unknown[] = [];
    if (patch.customData !== undefined) (sets.push('custom_data = ?'), params.push(JSON.stringify(patch.customData)));
    if (patch.passwordHash !== undefined) (sets.push('password_hash = ?'), params.push(patch.passwordHash));
    if (patch.email !== undefined) (sets.push('email = ?'), params.push(patch.email));
    if (sets.length === 0) return (await this.getUser(id)) !== undefined;
    try {
      return (await this.db.write((tx) => tx.run(this.q(`UPDATE ${this.t('users')} SET ${sets.join(', ')} WHERE id = ?`), [...params, id]))) > 0;
    } catch (err) {
      if (isUniqueViolation(err)) throw new OutpostError('user_exists', 'an account with this email exists');
      throw err;
    }
  }

  deleteUser(id: string): Promise<boolean> {
    return this.db.write(async (tx) => {
      for (const table of ['identities', 'refresh_tokens', 'refresh_families', 'api_keys']) {
        await tx.run(this.q(`DELETE FROM ${this.t(table)} WHERE user_id = ?`), [id]);
      }
      return (await tx.run(this.q(`DELETE FROM ${this.t('users')} WHERE id = ?`), [id])) > 0;
    });
  }

  ensureIdentityUser(provider: string, subject: string, candidate: UserRow): Promise<{ user: UserRow; created: boolean }> {
    return this.db.write(async (tx) => {
      const findLinked = async (): Promise<UserRow | undefined> => {
        const rows = await tx.all(
          this.q(`SELECT u.* FROM ${this.t('identities')} AS i JOIN ${this.t('users')} AS u ON u.id = i.user_id WHERE i.provider = ? AND i.subject = ?`),
          [provider, subject],
        );
        return rows[0] && SqlAuthStore.user(rows[0]);
      };
      const existing = await findLinked();
      if (existing) return { user: existing, created: false };
      // On PostgreSQL a concurrent first login inserts the same identity: ours then waits for it,
      // reports the conflict (0 rows), and the winner's row is visible to the next statement.
      const linked = await tx.run(
        this.q(`INSERT INTO ${this.t('identities')} (provider, subject, user_id) VALUES (?, ?, ?) ON CONFLICT (provider, subject) DO NOTHING`),
        [provider, subject, candidate.id],
      );
      if (linked === 0) {
        const winner = await findLinked();
        if (winner) return { user: winner, created: false };
        // A link left behind by a deleted user: take it over.
        await tx.run(this.q(`UPDATE ${this.t('identities')} SET user_id = ? WHERE provider = ? AND subject = ?`), [candidate.id, provider, subject]);
      }
      await this.insertUser(tx, candidate);
      return { user: candidate, created: true };
    });
  }

  createRefreshFamily(family: RefreshFamilyRow, first: RefreshTokenRow): Promise<void> {
    return this.db.write(async (tx) => {
      await tx.run(this.q(`INSERT INTO ${this.t('refresh_families')} (id, user_id, provider, created_at, revoked_at) VALUES (?, ?, ?, ?, ?)`), [
        family.id,
        family.userId,
        family.provider,
        family.createdAt,
        family.revokedAt,
      ]);
      await this.insertToken(tx, first);
    });
  }

  private async insertToken(tx: SqlRunner, r: RefreshTokenRow): Promise<void> {
    await tx.run(
      this.q(
        `INSERT INTO ${this.t('refresh_tokens')} (hash, family_id, user_id, provider, created_at, expires_at, spent_at, successor_hash, successor_blob) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      [r.hash, r.familyId, r.userId, r.provider, r.createdAt, r.expiresAt, r.spentAt, r.successorHash, r.successorBlob],
    );
  }

  async getRefreshFamily(id: string): Promise<RefreshFamilyRow | undefined> {
    const rows = await this.db.all(this.q(`SELECT * FROM ${this.t('refresh_families')} WHERE id = ?`), [id]);
    return rows[0] && SqlAuthStore.family(rows[0]);
  }

  async getRefreshToken(hash: string): Promise<RefreshTokenRow | undefined> {
    const rows = await this.db.all(this.q(`SELECT * FROM ${this.t('refresh_tokens')} WHERE hash = ?`), [hash]);
    return rows[0] && SqlAuthStore.token(rows[0]);
  }

  rotateRefreshToken(spent: { hash: string; spentAt: number; successorBlob: string }, next: RefreshTokenRow): Promise<boolean> {
    return this.db.write(async (tx) => {
      // Conditional on still being live: of two concurrent rotations exactly one changes the row.
      const changed = await tx.run(
        this.q(`UPDATE ${this.t('refresh_tokens')} SET spent_at = ?, successor_hash = ?, successor_blob = ? WHERE hash = ? AND spent_at IS NULL`),
        [spent.spentAt, next.hash, spent.successorBlob, spent.hash],
      );
      if (changed === 0) return false;
      await this.insertToken(tx, next);
      return true;
    });
  }

  async revokeRefreshFamily(id: string, at: number): Promise<void> {
    await this.db.write((tx) => tx.run(this.q(`UPDATE ${this.t('refresh_families')} SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`), [at, id]));
  }

  async revokeUserRefreshFamilies(userId: string, at: number): Promise<void> {
    await this.db.write((tx) => tx.run(this.q(`UPDATE ${this.t('refresh_families')} SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`), [at, userId]));
  }

  pruneRefreshTokens(now: number): Promise<number> {
    return this.db.write((tx) => tx.run(this.q(`DELETE FROM ${this.t('refresh_tokens')} WHERE expires_at < ?`), [now]));
  }

  async createApiKey(key: ApiKeyRow): Promise<void> {
    await this.db.write((tx) =>
      tx.run(this.q(`INSERT INTO ${this.t('api_keys')} (id, name, hash, user_id, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)`), [
        key.id,
        key.name,
        key.hash,
        key.userId,
        key.createdAt,
        key.revokedAt,
      ]),
    );
  }

  async getApiKeyByHash(hash: string): Promise<ApiKeyRow | undefined> {
    const rows = await this.db.all(this.q(`SELECT * FROM ${this.t('api_keys')} WHERE hash = ?`), [hash]);
    return rows[0] && SqlAuthStore.apiKey(rows[0]);
  }

  async getApiKey(id: string): Promise<ApiKeyRow | undefined> {
    const rows = await this.db.all(this.q(`SELECT * FROM ${this.t('api_keys')} WHERE id = ?`), [id]);
    return rows[0] && SqlAuthStore.apiKey(rows[0]);
  }

  async listApiKeys(): Promise<ApiKeyRow[]> {
    const rows = await this.db.all(`SELECT * FROM ${this.t('api_keys')} ORDER BY created_at, id`);
    return rows.map(SqlAuthStore.apiKey);
  }

  async revokeApiKey(id: string, at: number): Promise<boolean> {
    return this.db.write(async (tx) => {
      const exists = await tx.all(this.q(`SELECT id FROM ${this.t('api_keys')} WHERE id = ?`), [id]);
      if (exists.length === 0) return false;
      await tx.run(this.q(`UPDATE ${this.t('api_keys')} SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`), [at, id]);
      return true;
    });
  }
}
