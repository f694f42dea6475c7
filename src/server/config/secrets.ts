import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthServiceOptions } from '../auth/service.ts';
import type { ServerStore } from '../store/types.ts';
import type { OutpostConfig } from './load.ts';

/*
 * Development-mode secrets. With no JWT secret (or admin key) configured in development mode,
 * one is generated once and kept: in the data directory for the embedded store (`jwt-secret`,
 * `admin-key`, mode 0600), in the store's settings for PostgreSQL (so every node shares it).
 * They are never logged; the caller logs where they are.
 */

export interface ResolvedSecrets {
  readonly jwtSecret: string | undefined;
  readonly adminKey: string | undefined;
  /** Where generated or reused development secrets live (for a log line; never the values). */
  readonly notes: readonly string[];
}

function fileSecret(dir: string, name: string): { value: string; note: string } {
  const path = join(dir, name);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing.length >= 32) return { value: existing, note: `${name} read from ${path}` };
  } catch {
    // not there yet
  }
  const value = randomBytes(32).toString('base64url');
  writeFileSync(path, value + '\n', { mode: 0o600 });
  return { value, note: `${name} generated in ${path}` };
}

async function settingSecret(store: ServerStore, key: string): Promise<{ value: string; note: string }> {
  const existing = await store.getSetting(key);
  if (typeof existing === 'string' && existing.length >= 32) return { value: existing, note: `${key} read from the store settings` };
  const value = randomBytes(32).toString('base64url');
  await store.setSetting(key, value);
  return { value, note: `${key} generated in the store settings` };
}

export async function resolveSecrets(config: OutpostConfig, store: ServerStore): Promise<ResolvedSecrets> {
  const notes: string[] = [];
  const get = async (file: string, setting: string) => {
    const r = config.store.kind === 'sqlite' ? fileSecret(config.store.dir, file) : await settingSecret(store, setting);
    notes.push(r.note);
    return r.value;
  };
  let jwtSecret = config.auth.tokens.secret;
  if (jwtSecret === undefined && config.auth.tokens.algorithm === 'HS256') {
    if (!config.developmentMode) throw new Error('auth.tokens.secret (OUTPOST_JWT_SECRET) is required outside development mode');
    jwtSecret = await get('jwt-secret', 'dev.jwtSecret');
  }
  let adminKey = config.adminKey;
  if (adminKey === undefined && config.developmentMode) adminKey = await get('admin-key', 'dev.adminKey');
  return { jwtSecret, adminKey, notes };
}

/** The auth service's options from the configuration and the resolved secrets. */
export function authOptionsFromConfig(config: OutpostConfig, secrets: ResolvedSecrets, store: ServerStore): AuthServiceOptions {
  const t = config.auth.tokens;
  const signing: AuthServiceOptions['signing'] =
    t.algorithm === 'HS256'
      ? { alg: 'HS256', secret: secrets.jwtSecret! }
      : { alg: t.algorithm, privateKey: t.privateKey!, previousPublicKeys: t.previousPublicKeys };
  const p = config.auth.providers;
  return {
    store: store.auth,
    issuer: t.issuer ?? `outpost:${config.appId}`,
    audience: t.audience ?? config.appId,
    signing,
    accessTokenTtlSeconds: t.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: t.refreshTokenTtlSeconds,
    refreshGraceSeconds: t.refreshGraceSeconds,
    providers: { anonymous: p.anonymous, email: p.email, apiKey: p.apiKey, ...(p.customJwt ? { jwt: p.customJwt } : {}) },
    password: { minLength: config.auth.password.minLength, maxLength: config.auth.password.maxLength },
    scrypt: { N: config.auth.password.scryptN, r: config.auth.password.scryptR, p: config.auth.password.scryptP },
    rateLimit: config.auth.rateLimit,
  };
}
