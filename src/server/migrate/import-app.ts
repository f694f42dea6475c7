import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseSchema, type ObjectSchemaInput } from '../../model/index.ts';
import { compilePermissionFilter, referencedFields } from '../../query/index.ts';
import { OutpostError } from '../../errors.ts';
import type { RoleConfig } from '../config/load.ts';
import { parseConfig } from '../config/load.ts';
import { objectType, type Relationship } from './json-schema.ts';
import { Notes } from './notes.ts';
import { translatePartition, type PartitionSetting } from './partition.ts';
import { translateRoles } from './rules.ts';

/*
 * `outpost import-app`: an App Services app export (as `appservices pull` writes it) to an
 * Outpost configuration. Reads root_config.json, data_sources/<service>/<db>/<collection>/
 * {schema,rules,relationships}.json, data_sources/<service>/default_rule.json, sync/config.json
 * and auth/providers.json; everything else in the export (functions, triggers, endpoints,
 * OAuth providers, …) is listed in the report with the reason it is not carried over.
 */

type Json = Record<string, unknown>;

export interface ImportAppResult {
  /** The configuration to write as outpost.config.json. */
  readonly config: Json;
  readonly notes: Notes;
}

function readJson(root: string, file: string): unknown {
  const path = join(root, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new OutpostError('bad_message', `cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new OutpostError('bad_message', `${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function optionalJson(root: string, file: string): unknown {
  return existsSync(join(root, file)) ? readJson(root, file) : undefined;
}

function dirs(path: string): string[] {
  if (!existsSync(path)) return [];
  return readdirSync(path).filter((d) => statSync(join(path, d)).isDirectory()).sort();
}

interface Collection {
  readonly dir: string;
  readonly service: string;
  readonly db: string;
  readonly name: string;
  readonly schema: Json | undefined;
  readonly rules: Json | undefined;
  readonly relationships: Json | undefined;
  typeName: string;
}

/** `#/relationship/<service>/<db>/<collection>` to the collection it names. */
function refTarget(ref: unknown): { service: string; db: string; name: string } | undefined {
  if (typeof ref !== 'string') return undefined;
  const m = /^#\/relationship\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(ref);
  return m ? { service: m[1]!, db: m[2]!, name: m[3]! } : undefined;
}

/** Whether a collection schema becomes a synced type (one with an `_id`; see json-schema.ts). */
function hasId(schema: Json | undefined): boolean {
  const props = schema?.properties;
  return props !== null && typeof props === 'object' && '_id' in props;
}

const OUTPOST_PROVIDERS: Readonly<Record<string, string>> = { 'anon-user': 'anonymous', 'local-userpass': 'email', 'api-key': 'apiKey' };

function importAuth(root: string, notes: Notes): Json {
  const file = 'auth/providers.json';
  const raw = optionalJson(root, file);
  const providers: Json = { anonymous: false, email: false, apiKey: false };
  if (raw === undefined) {
    notes.changed(file, 'no auth/providers.json: every login provider is off; turn on the ones you need in auth.providers');
    return providers;
  }
  const list = Array.isArray(raw) ? raw : Object.values(raw as Json);
  for (const p of list as Json[]) {
    const type = String(p.type ?? p.name);
    if (p.disabled === true) continue;
    const name = OUTPOST_PROVIDERS[type];
    if (name) {
      providers[name] = true;
      if (type === 'local-userpass') {
        const c = (p.config ?? {}) as Json;
        if (c.autoConfirm !== true || c.runConfirmationFunction === true || c.runResetFunction === true || c.resetFunctionName || c.confirmationFunctionName) {
          notes.changed(file, 'local-userpass: email confirmation and password-reset emails and functions are not carried over (Outpost registers users without a confirmation step)');
        }
      }
    } else if (type === 'custom-token') {
      const c = (p.config ?? {}) as Json;
      const alg = typeof c.signingAlgorithm === 'string' ? c.signingAlgorithm : 'HS256';
      const audience = Array.isArray(c.audience) ? c.audience.join(', ') : c.audience;
      const claims = Array.isArray(p.metadata_fields) ? (p.metadata_fields as Json[]).map((m) => String(m.name)) : [];
      notes.dropped(
        file,
        `custom-token (custom JWT): the signing key${c.useJWKURI ? ` (the JWK set at ${String(c.jwkURI)})` : ' (a secret, not in the export)'} and the token issuer ` +
          `are not in the export, and Outpost needs both; add auth.providers.customJwt with algorithms ["${alg}"], ` +
          `audience ${audience ? JSON.stringify(audience) : '(your audience)'}, issuer, and secret, publicKey or jwks` +
          (claims.length ? `; metadata fields ${claims.join(', ')} map to emailClaim / customDataClaims` : ''),
      );
    } else if (type.startsWith('oauth2-')) {
      notes.dropped(file, `${type}: OAuth sign-in is not an Outpost provider; sign users in with the identity provider and pass its JWT to the custom JWT provider`);
    } else if (type === 'custom-function') {
      notes.dropped(file, 'custom-function: Outpost runs no functions; use a custom JWT issued by your own service');
    } else {
      notes.dropped(file, `${type}: not an Outpost provider`);
    }
  }
  if (existsSync(join(root, 'auth/custom_user_data.json'))) {
    const cud = readJson(root, 'auth/custom_user_data.json') as Json;
    if (cud.enabled === true) {
      notes.changed(
        'auth/custom_user_data.json',
        `custom user data came from ${String(cud.database_name)}.${String(cud.collection_name)}; Outpost keeps it on the user (PUT /api/admin/users/:id/custom-data), so copy it over, keyed by the user id field "${String(cud.user_id_field)}"`,
      );
    }
  }
  return providers;
}

function importSync(root: string, collections: readonly Collection[], notes: Notes, config: Json): void {
  const file = 'sync/config.json';
  const raw = optionalJson(root, file) as Json | undefined;
  if (!raw) {
    notes.changed(file, 'no sync configuration: no queryable fields were set');
    return;
  }
  if (raw.type === 'partition' || raw.partition) {
    const setting = translatePartition(raw.partition, notes, file);
    if (setting) config.partition = setting;
  }
  const typeOf = (name: string) => collections.find((c) => c.name === name)?.typeName ?? name;
  const global = [...new Set([...(Array.isArray(raw.queryable_fields_names) ? raw.queryable_fields_names : []), ...(Array.isArray(raw.indexed_queryable_fields_names) ? raw.indexed_queryable_fields_names : [])].map(String))];
  const byType: Record<string, string[]> = {};
  for (const [coll, fields] of Object.entries((raw.collection_queryable_fields_names ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(fields) && fields.length > 0) byType[typeOf(coll)] = fields.map(String);
  }
  const key = (config.partition as PartitionSetting | undefined)?.key;
  if (key !== undefined && !global.includes(key)) global.push(key);
  config.queryableFields = { global, byType };
  if (Array.isArray(raw.indexed_queryable_fields_names) && raw.indexed_queryable_fields_names.length > 0) {
    notes.changed(file, `indexed queryable fields (${raw.indexed_queryable_fields_names.join(', ')}) became ordinary queryable fields`);
  }
  if (typeof raw.client_max_offline_days === 'number' && raw.client_max_offline_days > 0) {
    config.history = { maxOfflineSeconds: Math.round(raw.client_max_offline_days * 86_400) };
  }
  if (Array.isArray(raw.asymmetric_tables) && raw.asymmetric_tables.length > 0) {
    notes.changed(file, `asymmetric (Data Ingest) types ${raw.asymmetric_tables.join(', ')} became ordinary synced types`);
  }
  if (raw.development_mode_enabled === true) {
    notes.changed(file, 'development mode was on; it is left off (turn it on with --dev while developing only)');
  }
}

/**
 * Outpost's rules may only name queryable fields (as Device Sync's did); App Services rules
 * outside Device Sync could name any. A field a translated rule names is made queryable on its
 * type, and reported.
 */
function ensureQueryable(config: Json, types: readonly ObjectSchemaInput[], notes: Notes, partitioned: ReadonlySet<string>): void {
  const q = (config.queryableFields ?? { global: [], byType: {} }) as { global: string[]; byType: Record<string, string[]> };
  const parsed = parseSchema(types);
  const roles = config.roles as { byType: Record<string, RoleConfig[]>; default: RoleConfig[] };
  const user = { id: 'import-check', custom_data: {} };
  for (const t of types) {
    // A partitioned type's rules name only the partition key, which is queryable already.
    if (t.embedded || partitioned.has(t.name)) continue;
    const own = roles.byType[t.name];
    for (const role of own ?? roles.default) {
      for (const rule of [role.read, role.write]) {
        if (typeof rule !== 'string') continue;
        let fields: { type: string; field: string }[];
        try {
          fields = referencedFields(compilePermissionFilter(parsed, t.name, rule, user, { missingAsNull: true }));
        } catch {
          // A default role naming a field this type does not have: the server's own check reports it.
          continue;
        }
        for (const { type, field } of fields) {
          if (q.global.includes(field) || q.byType[type]?.includes(field)) continue;
          (q.byType[type] ??= []).push(field);
          notes.changed('sync/config.json', `${type}.${field} became queryable: role "${role.name}" names it, and Outpost rules may only name queryable fields`);
        }
      }
    }
  }
  config.queryableFields = q;
}

/** Directories of an export that Outpost has no counterpart for, and why. */
const NOT_CARRIED: readonly [string, string][] = [
  ['functions', 'Atlas Functions: Outpost runs no server-side code; move the logic into your own service calling the data API'],
  ['triggers', 'triggers: Outpost has none; watch the data API or the store from your own service'],
  ['http_endpoints', 'HTTPS endpoints: Outpost serves none; use your own service with the data API'],
  ['graphql', 'GraphQL: Outpost has no GraphQL API'],
  ['hosting', 'static hosting: serve files with staticDir or your own web server'],
  ['values', 'values and secrets: put what you need in the Outpost configuration or environment'],
  ['services', 'third-party services: Outpost has none'],
  ['log_forwarders', 'log forwarders: Outpost logs JSON lines to stdout; forward them with your log shipper'],
];

export function importApp(root: string): ImportAppResult {
  const notes = new Notes();
  const rootConfig = readJson(root, 'root_config.json') as Json;
  const config: Json = {};
  const appName = String(rootConfig.name ?? rootConfig.app_id ?? 'outpost');
  const appId = appName.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 128) || 'outpost';
  if (appId !== appName) notes.changed('root_config.json', `app name "${appName}" became appId "${appId}"`);
  config.appId = appId;

  const collections: Collection[] = [];
  const defaultRules: { file: string; roles: unknown[] }[] = [];
  for (const service of dirs(join(root, 'data_sources'))) {
    const sdir = join(root, 'data_sources', service);
    const def = optionalJson(sdir, 'default_rule.json') as Json | undefined;
    if (def && Array.isArray(def.roles) && def.roles.length > 0) defaultRules.push({ file: relative(root, join(sdir, 'default_rule.json')), roles: def.roles });
    for (const db of dirs(sdir)) {
      for (const name of dirs(join(sdir, db))) {
        const dir = join(sdir, db, name);
        const schema = optionalJson(dir, 'schema.json') as Json | undefined;
        collections.push({
          dir: relative(root, dir),
          service,
          db,
          name,
          schema,
          rules: optionalJson(dir, 'rules.json') as Json | undefined,
          relationships: optionalJson(dir, 'relationships.json') as Json | undefined,
          typeName: typeof schema?.title === 'string' && schema.title !== '' ? schema.title : name,
        });
      }
    }
  }

  const schema: ObjectSchemaInput[] = [];
  const byType = new Map<string, ObjectSchemaInput>();
  for (const c of collections) {
    const file = `${c.dir}/schema.json`;
    if (!c.schema || Object.keys(c.schema).length === 0) {
      notes.dropped(file, `${c.db}.${c.name} has no schema, so it has no Outpost type (its rules are left out too)`);
      continue;
    }
    const relationships = new Map<string, Relationship>();
    for (const [field, r] of Object.entries(c.relationships ?? {})) {
      const rel = r as Json;
      const target = refTarget(rel.ref);
      const to = target && collections.find((x) => x.service === target.service && x.db === target.db && x.name === target.name && hasId(x.schema));
      if (!to) {
        notes.dropped(`${c.dir}/relationships.json`, `${field}: the relationship's target ${String(rel.ref)} is not a collection with a schema (and an _id) in this export; the field keeps its plain type`);
        continue;
      }
      if (rel.foreign_key !== undefined && rel.foreign_key !== '_id') {
        notes.dropped(`${c.dir}/relationships.json`, `${field}: links by "${String(rel.foreign_key)}", not by _id; Outpost links by primary key, so the field keeps its plain type`);
        continue;
      }
      relationships.set(field, { target: to.typeName, isList: rel.is_list === true });
    }
    const t = objectType(c.schema, c.typeName, false, { notes, file, relationships, out: schema });
    if (t) byType.set(c.typeName, t);
  }
  config.schema = schema;

  importSync(root, collections, notes, config);

  const rolesByType: Record<string, RoleConfig[]> = {};
  for (const c of collections) {
    const file = `${c.dir}/rules.json`;
    if (!c.rules) continue;
    const type = byType.get(c.typeName);
    if (!type) continue;
    if (Array.isArray(c.rules.filters) && c.rules.filters.length > 0) {
      notes.dropped(file, 'filters: App Services query filters are not carried over; their conditions belong in the roles\u2019 read rules');
    }
    const roles = Array.isArray(c.rules.roles) ? c.rules.roles : [];
    if (roles.length > 0) rolesByType[c.typeName] = translateRoles(roles, { notes, file, type });
  }
  const defaults: RoleConfig[] = [];
  for (const d of defaultRules) defaults.push(...translateRoles(d.roles, { notes, file: d.file, type: undefined }));
  // Default roles translated for one type can differ (a field the type lacks, a list field,
  // field-level grants): such a type gets its own copy, so that the rules it runs fit it.
  // Partition-based sync: the partition permissions are the rules of every type with the key
  // (App Services applied them to sync instead of the collection rules).
  const partition = config.partition as PartitionSetting | undefined;
  const partitioned = new Set(partition ? schema.filter((t) => !t.embedded && partition.key in t.properties).map((t) => t.name) : []);
  for (const name of partitioned) {
    if (!rolesByType[name]) continue;
    delete rolesByType[name];
    notes.changed('sync/config.json', `${name}: its collection rules are replaced by the partition permissions, which App Services applied to partition-based sync`);
  }
  for (const t of schema) {
    if (t.embedded || rolesByType[t.name] || partitioned.has(t.name) || defaultRules.length === 0) continue;
    const scratch = new Notes();
    const own: RoleConfig[] = [];
    for (const d of defaultRules) own.push(...translateRoles(d.roles, { notes: scratch, file: d.file, type: t }));
    if (JSON.stringify(own) === JSON.stringify(defaults)) continue;
    rolesByType[t.name] = own;
    notes.changed(defaultRules[0]!.file, `${t.name} got the default roles as its own, translated for its fields (conditions on fields it lacks are decided as MongoDB decides them for a missing field)`);
  }
  if (defaults.length > 0 && partitioned.size > 0 && schema.every((t) => t.embedded || partitioned.has(t.name))) {
    notes.changed(defaultRules[0]!.file, 'the default roles apply to no type: every type has the partition key, so the partition permissions are its rules (they are kept for types without it)');
  }
  config.roles = { byType: rolesByType, default: defaults };
  ensureQueryable(config, schema, notes, partitioned);
  config.auth = { providers: importAuth(root, notes) };

  for (const [dir, why] of NOT_CARRIED) {
    const path = join(root, dir);
    if (!existsSync(path)) continue;
    const entries = readdirSync(path, { recursive: true }).map(String).filter((f) => f.endsWith('.json') || f.endsWith('.js'));
    const meaningful = entries.filter((f) => {
      if (!f.endsWith('.json')) return true;
      const j = readJson(path, f);
      return !(Array.isArray(j) && j.length === 0) && !(j !== null && typeof j === 'object' && Object.keys(j).length === 0) && !(dir === 'graphql' && f === 'config.json');
    });
    if (meaningful.length > 0) notes.dropped(dir, `${why} (${meaningful.join(', ')})`);
  }

  // The configuration must load as written (secrets come from the environment at run time).
  try {
    parseConfig({ ...config, auth: { ...(config.auth as Json), tokens: { secret: 'x'.repeat(32) } } });
  } catch (err) {
    throw new OutpostError('schema_invalid', `the imported configuration does not load: ${(err as Error).message}`);
  }
  return { config, notes };
}
