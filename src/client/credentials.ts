/*
 * How a user proves who they are, one factory per provider (docs/protocol.md §1, /api/auth/login).
 */
export type CredentialsPayload =
  | { readonly provider: 'anonymous' }
  | { readonly provider: 'email'; readonly email: string; readonly password: string }
  | { readonly provider: 'jwt'; readonly token: string }
  | { readonly provider: 'api-key'; readonly key: string };

export class Credentials {
  private constructor(
    readonly payload: CredentialsPayload,
    /** Anonymous only: reuse the anonymous user already logged in on this device. */
    readonly reuse: boolean = true,
  ) {}

  get provider(): CredentialsPayload['provider'] {
    return this.payload.provider;
  }

  static anonymous(reuse = true): Credentials {
    return new Credentials({ provider: 'anonymous' }, reuse);
  }

  static emailPassword(email: string | { email: string; password: string }, password?: string): Credentials {
    const e = typeof email === 'string' ? { email, password: password ?? '' } : email;
    return new Credentials({ provider: 'email', email: e.email, password: e.password });
  }

  static jwt(token: string): Credentials {
    return new Credentials({ provider: 'jwt', token });
  }

  static apiKey(key: string): Credentials {
    return new Credentials({ provider: 'api-key', key });
  }
}
