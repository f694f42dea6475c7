import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import * as v from 'valibot';
import { parseSchema, type ObjectSchemaInput, type Schema } from '../../model/index.ts';
import { fromRealmSchema } from '../../model/realm-schema.ts';
import { compilePermissionFilter, parseQuery, type QueryableFields } from '../../query/index.ts';
import { CustomJwtVerifier, type CustomJwtOptions } from '../auth/custom-jwt.ts';
import { configSchema, type LOG_LEVELS, type ParsedConfig } from './schema.ts';
import { applyPartition, type PartitionConfig } from './partition.ts';

/*
 * The configuration: defaults, then `outpost.config.json` (from `--config` or OUTPOST_CONFIG),
 * then environment variables, then command-line flags. Relative paths in the file are relative
 * to the file; relative paths from the environment or flags are relative to the working
 * directory. Invalid configuration is a ConfigError listing every problem, each with where its
 * value came from.
 */

export type LogLevel = (typeof LOG_LEVELS)[number];
export type { RoleConfig, RolesConfig, RuleConfig } from './roles.ts';
import type { RoleConfig, RolesConfig } from './roles.ts';

export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly dir: string }
  | {
      readonly kind: 'postgres';
      readonly url: string;
      readonly schema: string;
      readonly poolSize: number;
      readonly timeouts: { readonly connectMs: number; readonly queryMs: number; readonly idleInTransactionMs: number };
    }
  | { readonly kind: 'memory' };

export interface OutpostConfig {
  /** The file it was read from, if any. */
  readonly configFile: string | undefined;
  readonly port: number;
  readonly host: string;
  readonly store: StoreConfig;
  /** The store as configured (a directory or a URL), for `openStore`. Never logged: a URL may hold a password. */
  readonly storeSpec: string;
  readonly appId: string;
  readonly schema: readonly ObjectSchemaInput[];
  readonly developmentMode: boolean;
  readonly queryableFields: QueryableFields & { readonly global: readonly string[]; readonly byType: Readonly<Record<string, readonly string[]>> };
  readonly roles: RolesConfig;
  /** Partition-based sync, when configured: the key, its type and the partition permissions. */
  readonly partition: PartitionConfig | null;
  readonly auth: ParsedConfig['auth'] & { readonly providers: ParsedConfig['auth']['providers'] & { readonly customJwt?: CustomJwtOptions } };
  readonly adminKey: string | undefined;
  /** User ids or emails with the dashboard's admin role (docs/server.md). */
  readonly adminUsers: readonly string[];
  /** This node's name in the dashboard (undefined: host name and process id). */
  readonly nodeId: string | undefined;
  readonly metricsToken: string | undefined;
  readonly allowedOrigins: readonly string[] | '*';
  readonly limits: ParsedConfig['limits'];
  readonly history: ParsedConfig['history'];
  readonly staticDir: string | undefined;
  /** The built operator's dashboard served under /admin (default: this package's dist/admin, when built). */
  readonly adminDir: string | undefined;
  readonly logLevel: LogLevel;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Raw = Record<string, unknown>;

/** Environment variables and the config path each one sets. */
export const ENV_VARS: Readonly<Record<string, { path: string[]; kind: 'string' | 'int' | 'bool' | 'origins' | 'list' }>> = {
  OUTPOST_PORT: { path: ['port'], kind: 'int' },
  OUTPOST_HOST: { path: ['host'], kind: 'string' },
  OUTPOST_STORE: { path: ['store'], kind: 'string' },
  OUTPOST_PG_SCHEMA: { path: ['postgres', 'schema'], kind: 'string' },
  OUTPOST_PG_POOL_SIZE: { path: ['postgres', 'poolSize'], kind: 'int' },
  OUTPOST_PG_QUERY_TIMEOUT_MS: { path: ['postgres', 'queryTimeoutMs'], kind: 'int' },
  OUTPOST_APP_ID: { path: ['appId'], kind: 'string' },
  OUTPOST_DEV: { path: ['developmentMode'], kind: 'bool' },
  OUTPOST_JWT_ALGORITHM: { path: ['auth', 'tokens', 'algorithm'], kind: 'string' },
  OUTPOST_JWT_SECRET: { path: ['auth', 'tokens', 'secret'], kind: 'string' },
  OUTPOST_JWT_PRIVATE_KEY: { path: ['auth', 'tokens', 'privateKey'], kind: 'string' },
  OUTPOST_ADMIN_KEY: { path: ['adminKey'], kind: 'string' },
  OUTPOST_ADMIN_USERS: { path: ['adminUsers'], kind: 'list' },
  OUTPOST_NODE_ID: { path: ['nodeId'], kind: 'string' },
  OUTPOST_METRICS_TOKEN: { path: ['metricsToken'], kind: 'string' },
  OUTPOST_ALLOWED_ORIGINS: { path: ['allowedOrigins'], kind: 'origins' },
  OUTPOST_STATIC_DIR: { path: ['staticDir'], kind: 'string' },
  OUTPOST_ADMIN_DIR: { path: ['adminDir'], kind: 'string' },
  OUTPOST_LOG_LEVEL: { path: ['logLevel'], kind: 'string' },
};

function envValue(kind: 'string' | 'int' | 'bool' | 'origins' | 'list', text: string): unknown {
  const t = text.trim();
  switch (kind) {
    case 'int':
      return /^\d+$/.test(t) ? Number(t) : t;
    case 'bool':
      return /^(1|true|yes|on)$/i.test(t) ? true : /^(0|false|no|off)$/i.test(t) ? false : t;
    case 'origins':
      return t === '*' ? '*' : t.split(',').map((s) => s.trim()).filter(Boolean);
    case 'list':
      return t.split(',').map((s) => s.trim()).filter(Boolean);
    default:
      return text;
  }
}

function setPath(obj: Raw, path: readonly string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Raw;
  }
  cur[path[path.length - 1]!] = value;
}

export interface LoadOptions {
  readonly argv?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

interface Flags {
  config?: string;
  port?: string;
  store?: string;
  dev?: boolean;
}

function parseArgv(argv: readonly string[]): Flags {
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--(config|port|store)(?:=(.*))?$/.exec(arg);
    if (m) {
      const value = m[2] ?? argv[++i];
      if (value === undefined) throw new ConfigError([`${arg} needs a value`]);
      flags[m[1] as 'config' | 'port' | 'store'] = value;
    } else if (arg === '--dev') flags.dev = true;
    else throw new ConfigError([`unknown argument ${JSON.stringify(arg)} (known: --config <file>, --port <n>, --store <dir|postgres://…>, --dev)`]);
  }
  return flags;
}

/** Reads the configuration the way the server does. */
export function loadConfig(options: LoadOptions = {}): OutpostConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const flags = parseArgv(options.argv ?? []);
  const sources = new Map<string, string>();
  let raw: Raw = {};
  const file = flags.config ?? env.OUTPOST_CONFIG;
  let configFile: string | undefined;
  if (file !== undefined && file !== '') {
    configFile = resolve(cwd, file);
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (err) {
      throw new ConfigError([`cannot read the config file ${configFile}: ${(err as Error).message}`]);
    }
    try {
      raw = JSON.parse(text) as Raw;
    } catch (err) {
      throw new ConfigError([`${configFile} is not valid JSON: ${(err as Error).message}`]);
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError([`${configFile} must hold a JSON object`]);
  }
  const baseDir = configFile ? dirname(configFile) : cwd;
  // Relative paths from the file are relative to the file; the ones set below, to the cwd.
  for (const key of ['store', 'staticDir', 'adminDir'] as const) {
    if (typeof raw[key] === 'string' && !isUrl(raw[key] as string) && raw[key] !== 'memory:') raw[key] = resolve(baseDir, raw[key] as string);
  }
  for (const [name, spec] of Object.entries(ENV_VARS)) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    let value = envValue(spec.kind, text);
    if ((name === 'OUTPOST_STORE' || name === 'OUTPOST_STATIC_DIR' || name === 'OUTPOST_ADMIN_DIR') && typeof value === 'string' && !isUrl(value) && value !== 'memory:') value = resolve(cwd, value);
    setPath(raw, spec.path, value);
    sources.set(spec.path.join('.'), name);
  }
  if (flags.port !== undefined) (raw.port = envValue('int', flags.port), sources.set('port', '--port'));
  if (flags.store !== undefined) (raw.store = isUrl(flags.store) || flags.store === 'memory:' ? flags.store : resolve(cwd, flags.store), sources.set('store', '--store'));
  if (flags.dev) (raw.developmentMode = true, sources.set('developmentMode', '--dev'));
  if (raw.store === undefined) raw.store = resolve(cwd, 'data');
  return parseConfig(raw, { configFile, sources });
}

function isUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//i.test(s);
}

/** Validates a raw configuration object (defaults applied), with every problem listed. */
export function parseConfig(raw: unknown, context: { configFile?: string | undefined; sources?: ReadonlyMap<string, string> } = {}): OutpostConfig {
  const sources = context.sources ?? new Map<string, string>();
  const where = (path: string): string => {
    const from = sources.get(path);
    return from ? `${path} (from ${from})` : path;
  };
  const result = v.safeParse(configSchema, raw);
  if (!result.success) {
    // A union's own message is vague ("a list of origins, or \"*\""): show the option that got
    // furthest instead (its issues carry paths relative to the union).
    const keyOf = (i: v.BaseIssue<unknown>): string[] => (i.path ?? []).map((p) => String(p.key));
    const flat = (i: v.BaseIssue<unknown>, prefix: string[]): string[] => {
      const here = [...prefix, ...keyOf(i)];
      const deeper = (i.issues ?? []).filter((sub) => (sub.path?.length ?? 0) > 0);
      if (i.type === 'union' && deeper.length > 0) return deeper.flatMap((sub) => flat(sub, here));
      const path = here.join('.') || '(root)';
      return [`${where(path)}: ${i.message}`];
    };
    throw new ConfigError(result.issues.flatMap((i) => flat(i, [])));
  }
  const c = result.output;
  const problems: string[] = [];
  let schema: Schema | undefined;
  // Realm JS object schemas are accepted as written (decimal128, mapTo as the stored name, ...).
  let schemaInput = c.schema as unknown as ObjectSchemaInput[];
  try {
    const translated = fromRealmSchema(schemaInput);
    if (translated.asymmetric.length > 0) {
      problems.push(`schema: asymmetric (Data Ingest) types are not supported: ${translated.asymmetric.join(', ')} (make them ordinary types)`);
    }
    schemaInput = translated.schema;
    schema = parseSchema(schemaInput);
  } catch (err) {
    problems.push(`schema: ${(err as Error).message}`);
  }
  // The partition's role and queryable key are added before the rules are checked, so they are checked too.
  const part = applyPartition(c.partition, schema, c.roles, c.queryableFields.global, problems);
  c.roles = part.roles as typeof c.roles;
  c.queryableFields = { ...c.queryableFields, global: [...part.global] };
  checkRoles(c, schema, problems);
  const t = c.auth.tokens;
  if (t.algorithm === 'HS256' && t.privateKey !== undefined) problems.push(`${where('auth.tokens.privateKey')}: HS256 uses a secret, not a private key`);
  if (t.algorithm !== 'HS256' && t.privateKey === undefined) problems.push(`${where('auth.tokens.privateKey')}: ${t.algorithm} needs a PKCS#8 PEM private key`);
  if (t.algorithm === 'HS256' && t.secret === undefined && !c.developmentMode) {
    problems.push('auth.tokens.secret: required outside development mode (set OUTPOST_JWT_SECRET to at least 32 random bytes)');
  }
  if (c.auth.password.minLength > c.auth.password.maxLength) problems.push('auth.password: minLength is greater than maxLength');
  if (c.auth.providers.customJwt) {
    try {
      new CustomJwtVerifier(c.auth.providers.customJwt as CustomJwtOptions);
    } catch (err) {
      problems.push(`auth.providers.customJwt: ${(err as Error).message}`);
    }
  }
  let store: StoreConfig;
  if (isUrl(c.store)) {
    try {
      new URL(c.store);
    } catch {
      problems.push(`${where('store')}: not a valid postgres:// URL`);
    }
    store = {
      kind: 'postgres',
      url: c.store,
      schema: c.postgres.schema,
      poolSize: c.postgres.poolSize,
      timeouts: { connectMs: c.postgres.connectTimeoutMs, queryMs: c.postgres.queryTimeoutMs, idleInTransactionMs: c.postgres.idleInTransactionTimeoutMs },
    };
  } else if (c.store === 'memory:') store = { kind: 'memory' };
  else store = { kind: 'sqlite', dir: c.store };
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    configFile: context.configFile,
    port: c.port,
    host: c.host,
    store,
    storeSpec: c.store,
    appId: c.appId,
    schema: schemaInput,
    developmentMode: c.developmentMode,
    queryableFields: c.queryableFields,
    roles: c.roles,
    partition: part.partition,
    auth: c.auth as OutpostConfig['auth'],
    adminKey: c.adminKey,
    adminUsers: c.adminUsers,
    nodeId: c.nodeId,
    metricsToken: c.metricsToken,
    allowedOrigins: c.allowedOrigins,
    limits: c.limits,
    history: c.history,
    staticDir: c.staticDir,
    adminDir: c.adminDir,
    logLevel: c.logLevel,
  };
}

/** Checks every rule filter: it parses, and where the type is known it type-checks against the schema. */
function checkRoles(c: ParsedConfig, schema: Schema | undefined, problems: string[]): void {
  const check = (path: string, type: string | undefined, role: RoleConfig): void => {
    for (const key of ['applyWhen', 'read', 'write'] as const) {
      const rule = role[key];
      if (typeof rule !== 'string') continue;
      try {
        parseQuery(rule, { allowExpansions: true });
        if (key !== 'applyWhen' && type !== undefined && schema?.get(type)) {
          compilePermissionFilter(schema, type, rule, { id: 'config-check', custom_data: {} }, { missingAsNull: true, queryable: c.queryableFields });
        }
      } catch (err) {
        problems.push(`${path}.${key}: ${(err as Error).message}`);
      }
    }
  };
  for (const [type, roles] of Object.entries(c.roles.byType)) {
    if (schema && schema.types.size > 0 && !schema.get(type) && !c.developmentMode) problems.push(`roles.byType.${type}: the schema has no type ${type}`);
    roles.forEach((r, i) => check(`roles.byType.${type}[${i}]`, type, r));
  }
  c.roles.default.forEach((r, i) => check(`roles.default[${i}]`, undefined, r));
  for (const type of Object.keys(c.queryableFields.byType)) {
    if (schema && schema.types.size > 0 && !schema.get(type) && !c.developmentMode) problems.push(`queryableFields.byType.${type}: the schema has no type ${type}`);
  }
}

/** The roles in the form the sync engine takes (`RulesSpec` of src/server/sync/roles.ts). */
export function rulesFromConfig(config: Pick<OutpostConfig, 'roles'>): { roles: Record<string, readonly RoleConfig[]>; defaultRoles: readonly RoleConfig[] } {
  return { roles: { ...config.roles.byType }, defaultRoles: config.roles.default };
}

/**
 * The per-session limits in the form the sync engine's `SessionLimits` takes (a partial: the
 * engine keeps its defaults for the rest). Bursts allow twice the per-second message rate and
 * four times the byte rate.
 */
export function sessionLimitsFromConfig(config: Pick<OutpostConfig, 'limits'>): {
  maxFrameBytes: number;
  messagesPerSecond: number;
  messageBurst: number;
  bytesPerSecond: number;
  byteBurst: number;
  maxSubscriptions: number;
} {
  const l = config.limits;
  return {
    maxFrameBytes: l.maxFrameBytes,
    messagesPerSecond: l.messagesPerSecond,
    messageBurst: l.messagesPerSecond * 2,
    bytesPerSecond: l.bytesPerSecond,
    byteBurst: l.bytesPerSecond * 4,
    maxSubscriptions: l.maxSubscriptions,
  };
}
