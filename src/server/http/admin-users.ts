import type { ServerStore, UserRow } from '../store/types.ts';

/*
 * The dashboard's admin role for users. Deny by default: a user is an admin only when the
 * configuration lists them (`adminUsers`: user ids, or emails of email/password accounts) or an
 * existing admin granted the role (kept in the store's `adminUsers` setting, so every node sharing
 * the database agrees). Configured admins cannot be demoted through the API: the config file is
 * the operator's last word. The role is checked again on every request, so a demotion or a
 * deleted user takes effect at once for open dashboard sessions.
 */

const SETTING = 'adminUsers';

export type AdminRoleSource = 'config' | 'granted';

export class AdminRoles {
  private readonly ids: ReadonlySet<string>;
  private readonly emails: ReadonlySet<string>;

  constructor(
    private readonly store: ServerStore,
    configured: readonly string[],
  ) {
    // An entry with an @ is an email (compared as stored: lower case); anything else is a user id.
    this.ids = new Set(configured.filter((x) => !x.includes('@')));
    this.emails = new Set(configured.filter((x) => x.includes('@')).map((x) => x.trim().toLowerCase()));
  }

  /** Whether the configuration names any admin user (otherwise only the key or a grant can). */
  get anyConfigured(): boolean {
    return this.ids.size + this.emails.size > 0;
  }

  /** The user ids granted the role through the API. */
  async granted(): Promise<string[]> {
    const v = await this.store.getSetting(SETTING);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  }

  /** Why a user is an admin, or undefined when they are not. */
  async roleOf(user: UserRow | undefined, granted?: readonly string[]): Promise<AdminRoleSource | undefined> {
    if (!user) return undefined;
    if (this.ids.has(user.id)) return 'config';
    // An email names only an account that signs in with it (a JWT identity's email is the issuer's claim).
    if (user.email !== null && user.provider === 'email' && this.emails.has(user.email)) return 'config';
    return (granted ?? (await this.granted())).includes(user.id) ? 'granted' : undefined;
  }

  /** Grants or withdraws the role; a configured admin stays one. Returns the user's role afterwards. */
  async set(user: UserRow, admin: boolean): Promise<AdminRoleSource | undefined> {
    const granted = new Set(await this.granted());
    if (admin) granted.add(user.id);
    else granted.delete(user.id);
    await this.store.setSetting(SETTING, [...granted]);
    return this.roleOf(user, [...granted]);
  }
}
