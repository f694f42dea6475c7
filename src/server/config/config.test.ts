import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory.ts';
import type { SessionLimits } from '../sync/session.ts';
import type { RulesSpec } from '../sync/roles.ts';
import { ConfigError, loadConfig, parseConfig, rulesFromConfig, sessionLimitsFromConfig } from './load.ts';
import { authOptionsFromConfig, resolveSecrets } from './secrets.ts';

const dir = mkdtempSync(join(tmpdir(), 'outpost-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'x'.repeat(40);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

function writeConfig(name: string, body: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
}

const schema = [{ name: 'Task', primaryKey: '_id', properties: { _id: 'objectId', owner: 'string', title: 'string' } }];

describe('configuration', () => {
  it('has sensible defaults (development mode needs no secret)', () => {
    const c = loadConfig({ argv: ['--dev'], env: {}, cwd: dir });
    expect(c).toMatchObject({ port: 8080, host: '0.0.0.0', appId: 'outpost', developmentMode: true, allowedOrigins: [], logLevel: 'info', configFile: undefined });
    expect(c.store).toEqual({ kind: 'sqlite', dir: join(dir, 'data') });
    expect(c.limits.maxBodyBytes).toBe(1024 * 1024);
    expect(c.auth.tokens).toMatchObject({ algorithm: 'HS256', accessTokenTtlSeconds: 600, refreshGraceSeconds: 30 });
    expect(c.auth.password).toMatchObject({ scryptN: 2 ** 17, scryptR: 8, scryptP: 1, minLength: 8 });
    // Deny unless a rule grants: no role is configured by default.
    expect(c.roles).toEqual({ byType: {}, default: [] });
  });

  it('leaves development mode off unless asked for, and the shipped configuration does not ask', () => {
    expect(loadConfig({ argv: [], env: { OUTPOST_JWT_SECRET: 'x'.repeat(32) }, cwd: dir }).developmentMode).toBe(false);
    expect(loadConfig({ argv: ['--dev'], env: {}, cwd: dir }).developmentMode).toBe(true);
    expect(loadConfig({ argv: [], env: { OUTPOST_DEV: '1' }, cwd: dir }).developmentMode).toBe(true);
    const shipped = JSON.parse(readFileSync(join(repoRoot, 'outpost.config.json'), 'utf8')) as Record<string, unknown>;
    expect(shipped.developmentMode ?? false).toBe(false);
  });

  it('the demo\u2019s guest role (anyone not a technician) is given no personal data', () => {
    const c = loadConfig({ argv: ['--config', join(repoRoot, 'outpost.config.json'), '--dev'], env: {}, cwd: dir });
    const guest = (type: string) => {
      const roles = c.roles.byType[type] ?? c.roles.default;
      // The role an anonymous user gets: the first whose applyWhen holds without custom data.
      return roles.find((r) => r.applyWhen === true);
    };
    // Other people's work orders carry customers' names, sites and technicians' notes.
    expect(guest('WorkOrder')?.read).toBe('assigneeId == %%user.id');
    const customer = guest('Customer')!;
    for (const field of ['contact', 'phone', 'accessNotes']) expect(customer.fields?.[field]?.read, `Customer.${field}`).toBe(false);
    expect(customer.write).toBe(false);
    expect(guest('Technician')?.fields?.email?.read).toBe(false);
    // Every personal field of the schema is covered.
    const customerSchema = c.schema.find((s) => s.name === 'Customer')!;
    expect(Object.keys(customerSchema.properties ?? {})).toEqual(['_id', 'name', 'region', 'contact', 'phone', 'address', 'accessNotes']);
  });

  it('reads the file, then the environment, then flags; file paths are relative to the file', () => {
    const path = writeConfig('a.json', {
      port: 9000,
      store: 'store-dir',
      staticDir: 'public',
      appId: 'field-service',
      schema,
      queryableFields: { global: ['owner'], byType: { Task: ['title'] } },
      roles: { byType: { Task: [{ name: 'owner', applyWhen: true, read: 'owner == %%user.id', write: 'owner == %%user.id' }] } },
      auth: { tokens: { secret: SECRET } },
      allowedOrigins: ['https://App.example.com'],
    });
    const c = loadConfig({ argv: ['--config', path], env: { OUTPOST_PORT: '9100', OUTPOST_ALLOWED_ORIGINS: 'https://a.example.com, http://localhost:5173' }, cwd: '/' });
    expect(c.configFile).toBe(path);
    expect(c.port).toBe(9100);
    expect(c.store).toEqual({ kind: 'sqlite', dir: join(dir, 'store-dir') });
    expect(c.staticDir).toBe(join(dir, 'public'));
    expect(c.allowedOrigins).toEqual(['https://a.example.com', 'http://localhost:5173']);
    // The shapes the sync engine takes.
    const rules: RulesSpec = rulesFromConfig(c);
    expect(rules.roles!.Task![0]!.name).toBe('owner');
    const limits: Partial<SessionLimits> = sessionLimitsFromConfig(c);
    expect(limits).toMatchObject({ maxFrameBytes: 16 * 1024 * 1024, messagesPerSecond: 200, maxSubscriptions: 100 });
    const viaEnv = loadConfig({ argv: ['--port=7000', '--store', 'postgres://u:p@db:5432/app'], env: { OUTPOST_CONFIG: path, OUTPOST_PG_SCHEMA: 'tenant1' }, cwd: '/' });
    expect(viaEnv.port).toBe(7000);
    expect(viaEnv.store).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/app', schema: 'tenant1', poolSize: 10, timeouts: { connectMs: 10_000, queryMs: 30_000, idleInTransactionMs: 60_000 } });
    expect(viaEnv.allowedOrigins).toEqual(['https://app.example.com']);
  });

  it('lists every problem, with where each value came from', () => {
    const path = writeConfig('bad.json', {
      port: 'eighty',
      unknownKey: 1,
      allowedOrigins: ['https://ok.example.com/path'],
      auth: { tokens: { accessTokenTtlSeconds: 3600, secret: 'short' } },
      logLevel: 'loud',
    });
    const p = problems(() => loadConfig({ argv: ['--config', path], env: { OUTPOST_PG_POOL_SIZE: 'many' }, cwd: dir }));
    const text = p.join('\n');
    expect(text).toMatch(/port: /);
    expect(text).toMatch(/unknownKey/);
    expect(text).toMatch(/allowedOrigins\.0: an origin is/);
    expect(text).toMatch(/auth\.tokens\.accessTokenTtlSeconds/);
    expect(text).toMatch(/auth\.tokens\.secret: the secret must be at least 32 bytes/);
    expect(text).toMatch(/logLevel/);
    expect(text).toMatch(/postgres\.poolSize \(from OUTPOST_PG_POOL_SIZE\)/);
  });

  it('checks the schema, the role filters against it, secrets and keys', () => {
    expect(problems(() => parseConfig({ schema: [{ name: 'Task', properties: { x: 'string' } }], auth: { tokens: { secret: SECRET } } })).join()).toMatch(/schema: .*primaryKey/);
    const bad = problems(() =>
      parseConfig({
        schema,
        auth: { tokens: { secret: SECRET } },
        roles: {
          byType: {
            Task: [{ name: 'r', applyWhen: true, read: 'owner == == x', write: 'nosuchfield == %%user.id' }],
            Ghost: [{ name: 'g', applyWhen: true, read: true, write: true }],
          },
        },
      }),
    ).join('\n');
    expect(bad).toMatch(/roles\.byType\.Task\[0\]\.read/);
    expect(bad).toMatch(/roles\.byType\.Task\[0\]\.write/);
    expect(bad).toMatch(/roles\.byType\.Ghost: the schema has no type Ghost/);
    expect(problems(() => parseConfig({})).join()).toMatch(/auth\.tokens\.secret: required outside development mode/);
    expect(problems(() => parseConfig({ auth: { tokens: { algorithm: 'EdDSA' } } })).join()).toMatch(/PKCS#8/);
    expect(problems(() => parseConfig({ developmentMode: true, adminKey: 'short' })).join()).toMatch(/adminKey: the admin key must be at least 32/);
    expect(
      problems(() => parseConfig({ developmentMode: true, auth: { providers: { customJwt: { algorithms: ['HS256'], issuer: 'i', audience: 'a', publicKey: 'x' } } } })).join(),
    ).toMatch(/customJwt: .*HMAC/);
    expect(problems(() => parseConfig({ developmentMode: true, __proto__x: 1, ['__proto__']: { polluted: true } })).join()).toMatch(/__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports unreadable and malformed files and unknown flags clearly', () => {
    expect(problems(() => loadConfig({ argv: ['--config', join(dir, 'missing.json')], env: {} })).join()).toMatch(/cannot read the config file/);
    expect(problems(() => loadConfig({ argv: ['--config', writeConfig('broken.json', '{ nope')], env: {} })).join()).toMatch(/not valid JSON/);
    expect(problems(() => loadConfig({ argv: ['--config', writeConfig('array.json', '[]')], env: {} })).join()).toMatch(/JSON object/);
    expect(problems(() => loadConfig({ argv: ['--verbose'], env: {} })).join()).toMatch(/unknown argument/);
    expect(problems(() => loadConfig({ argv: ['--port'], env: {} })).join()).toMatch(/needs a value/);
  });

  it('generates development secrets once, keeps them in the data directory with mode 0600, never otherwise', async () => {
    const data = join(dir, 'dev-data');
    const c = loadConfig({ argv: ['--dev', '--store', data], env: {}, cwd: dir });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(data, { recursive: true });
    const store = new MemoryStore();
    const first = await resolveSecrets(c, store);
    expect(first.jwtSecret!.length).toBeGreaterThanOrEqual(32);
    expect(first.adminKey!.length).toBeGreaterThanOrEqual(32);
    expect(first.notes.join()).not.toContain(first.jwtSecret!);
    expect(readFileSync(join(data, 'jwt-secret'), 'utf8').trim()).toBe(first.jwtSecret);
    expect(statSync(join(data, 'jwt-secret')).mode & 0o777).toBe(0o600);
    const second = await resolveSecrets(c, store);
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(second.adminKey).toBe(first.adminKey);
    // PostgreSQL / memory: kept in the store's settings.
    const mem = await resolveSecrets(parseConfig({ developmentMode: true, store: 'memory:' }), store);
    expect(await store.getSetting('dev.jwtSecret')).toBe(mem.jwtSecret);
    // Configured values are used as they are.
    const prod = parseConfig({ auth: { tokens: { secret: SECRET } }, adminKey: 'k'.repeat(32) });
    expect(await resolveSecrets(prod, store)).toEqual({ jwtSecret: SECRET, adminKey: 'k'.repeat(32), notes: [] });
    const opts = authOptionsFromConfig(prod, await resolveSecrets(prod, store), store);
    expect(opts).toMatchObject({ issuer: 'outpost:outpost', audience: 'outpost', signing: { alg: 'HS256', secret: SECRET }, scrypt: { N: 2 ** 17, r: 8, p: 1 } });
  });
});
