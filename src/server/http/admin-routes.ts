import { createHash, timingSafeEqual } from 'node:crypto';
import * as v from 'valibot';
import { parseSchema, type ObjectSchemaInput } from '../../model/index.ts';
import { OutpostError } from '../../errors.ts';
import type { AuthService } from '../auth/service.ts';
import { parseConfig, type RolesConfig } from '../config/load.ts';
import { currentRules } from '../config/stored-rules.ts';
import { objectOf, roleSchema } from '../config/schema.ts';
import { encodeInstruction, encodeValue, hlcWall, type Instruction } from '../../changeset/index.ts';
import { pkKey, type PrimaryKey } from '../../model/index.ts';
import type { ConflictRow, ServerStore, UserRow } from '../store/types.ts';
import type { LiveSessionInfo } from '../sync/engine.ts';
import type { MetricsSample } from '../metrics-history.ts';
import type { NodesView } from '../cluster/nodes.ts';
import { AdminSessions, ADMIN_COOKIE } from './admin-session.ts';
import { AdminRoles } from './admin-users.ts';
import { parseBody } from './errors.ts';
import type { HttpContext, OutpostHttpServer } from './server.ts';

/*
 * The admin API under /api/admin, behind the admin key (`Authorization: Bearer <admin key>`,
 * compared in constant time) or a dashboard session (the admin key, or a user with the admin
 * role: admin-users.ts). Without a configured key or admin users every admin request is refused.
 *
 * Schema and rules changes go through `hooks` when given (the sync engine applies them to its
 * running state and checks them: a hook may throw OutpostError, e.g. `schema_mismatch`, to refuse);
 * without hooks they are only stored, and take effect at the next start.
 */

export interface AdminHooks {
  /**
   * Apply a new schema (already validated with parseSchema). Default: store it. `breaking` allows
   * removals and changes, at the price of a client reset of every client file.
   */
  setSchema?(schema: ObjectSchemaInput[], options: { breaking: boolean }): Promise<void>;
  /** Apply new roles (already validated). Default: store them as the `rules` setting. */
  setRules?(rules: RolesConfig): Promise<void>;
  /** Run history compaction now. */
  compact?(): Promise<{ retired: number; removed: number; firstVersion: number }>;
  /** Retire client files (all, a user's, or one): their next session gets a client reset. */
  resetClients?(selector: { userId?: string; clientFile?: number }, reason: string): Promise<number>;
  /** Retires one client file for good: its ident is refused, with no recovery of what it had not uploaded. */
  retireClientFile?(clientFile: number): Promise<number>;
  /** The live sync sessions on this node. */
  sessions?(): LiveSessionInfo[];
  /** Every node sharing the store: sessions, metrics, disconnect anywhere (src/server/cluster). */
  nodes?: NodesView;
  /** Ends the live sessions of a client file on this node; returns how many. */
  disconnect?(clientFile: number): number;
  /** The last hour of the server's metrics (cumulative samples). */
  metricsHistory?(): { intervalMs: number; samples: readonly MetricsSample[] };
  /** How many objects of `type` a user could read under `rules` (already validated). */
  dryRun?(rules: RolesConfig, userId: string, type: string): Promise<{ readable: number; role: string }>;
}

export interface AdminOptions {
  readonly adminKey: string | undefined;
  /** User ids or emails with the admin role by configuration (admin-users.ts). */
  readonly adminUsers?: readonly string[];
  /** The configured schema and roles, shown until the admin API stores others. */
  readonly schema: readonly ObjectSchemaInput[];
  readonly roles: RolesConfig;
  readonly developmentMode: boolean;
  readonly queryableFields: { readonly global: readonly string[]; readonly byType: Readonly<Record<string, readonly string[]>> };
  readonly hooks?: AdminHooks;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** A JSON object (valibot's `record` would turn an array into an object instead of refusing it). */
const jsonObject = v.custom<Record<string, unknown>>((x) => x !== null && typeof x === 'object' && !Array.isArray(x), 'must be a JSON object');
const customDataBody = v.strictObject({ customData: jsonObject });
const createUserBody = v.strictObject({
  email: v.optional(v.pipe(v.string(), v.maxLength(254))),
  password: v.optional(v.pipe(v.string(), v.maxLength(4096))),
  customData: v.optional(jsonObject),
});
const apiKeyBody = v.strictObject({ name: v.pipe(v.string(), v.minLength(1), v.maxLength(128)) });
const schemaBody = v.strictObject({ schema: v.array(objectOf(v.unknown())), breaking: v.optional(v.boolean(), false) });
const resetBody = v.strictObject({
  userId: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
  clientFile: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1))),
  all: v.optional(v.literal(true)),
  reason: v.optional(v.pipe(v.string(), v.maxLength(500))),
});
const rulesShape = v.strictObject({ byType: v.optional(objectOf(v.array(roleSchema)), {}), default: v.optional(v.array(roleSchema), []) });
const rulesBody = v.strictObject({ rules: rulesShape });
const dryRunBody = v.strictObject({ rules: rulesShape, userId: v.pipe(v.string(), v.minLength(1), v.maxLength(256)), type: v.pipe(v.string(), v.minLength(1), v.maxLength(256)) });
const loginBody = v.union([
  v.strictObject({ key: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)) }),
  v.strictObject({ email: v.pipe(v.string(), v.minLength(1), v.maxLength(254)), password: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)) }),
  v.strictObject({ accessToken: v.pipe(v.string(), v.minLength(1), v.maxLength(8192)) }),
]);
const roleBody = v.strictObject({ admin: v.boolean() });

function userJson(u: UserRow, admin?: string | null) {
  return { id: u.id, email: u.email, provider: u.provider, customData: u.customData, createdAt: u.createdAt, ...(admin !== undefined ? { admin } : {}) };
}

/** A journal entry for the admin API: the whole entry, pk and values in Extended JSON (the object state kept for permission checks stays out). */
function conflictJson(c: ConflictRow) {
  const { erasedObject: _kept, loserSaw: _saw, pk, ...rest } = c;
  return { ...rest, pk: encodeValue(pk) };
}

/** An integer query parameter within bounds, or the default when absent. */
function intParam(ctx: HttpContext, name: string, min: number, max: number, fallback?: number): number | undefined {
  const text = ctx.url.searchParams.get(name);
  if (text === null) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new OutpostError('bad_message', `${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** A client file ident from a path. */
function identParam(text: string | undefined): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new OutpostError('bad_message', 'a client file ident must be a positive integer');
  return n;
}

/** The same checks as the config file: filters parse and type-check against the schema. */
async function checkRules(store: ServerStore, options: AdminOptions, rules: unknown): Promise<void> {
  try {
    parseConfig({
      developmentMode: options.developmentMode,
      auth: { tokens: { secret: 'x'.repeat(32) } }, // only the rules are being checked
      schema: (await store.getSchema()) ?? options.schema,
      queryableFields: options.queryableFields,
      roles: rules,
    });
  } catch (err) {
    throw new OutpostError('bad_query', `invalid rules: ${(err as Error).message}`);
  }
}

/** The stored rules, or the configured ones. */
export function mountAdminRoutes(http: OutpostHttpServer, store: ServerStore, auth: AuthService, options: AdminOptions): void {
  const expected = options.adminKey === undefined ? undefined : digest(options.adminKey);
  const sessions = new AdminSessions();
  const roles = new AdminRoles(store, options.adminUsers ?? []);
  const keyMatches = (given: string | undefined) => given !== undefined && expected !== undefined && timingSafeEqual(digest(given), expected);
  /**
   * Who makes an admin request: the admin key as a bearer token (scripts), or the dashboard's
   * session cookie with its CSRF token in a header (a cross-site form cannot set one, and the
   * cookie is SameSite=Strict besides). A session of a user is good only while the user still
   * has the admin role. Every request that changes something is logged with who made it.
   */
  const admin = (handler: (ctx: HttpContext, who: string) => ReturnType<Parameters<OutpostHttpServer['route']>[2]>) => async (ctx: HttpContext) => {
    const given = ctx.bearer();
    let who: string;
    // Hashing first makes the comparison constant-time whatever the lengths.
    if (given !== undefined) {
      if (!expected) throw new OutpostError('permission_denied', 'the admin API is disabled: configure an admin key (OUTPOST_ADMIN_KEY)');
      if (!keyMatches(given)) throw new OutpostError('unauthorized', 'a valid admin key is required (Authorization: Bearer <admin key>)');
      who = 'admin-key';
    } else {
      const session = sessions.fromRequest(ctx.req);
      if (!session) {
        if (!expected && !roles.anyConfigured) throw new OutpostError('permission_denied', 'the admin API is disabled: configure an admin key (OUTPOST_ADMIN_KEY) or admin users (adminUsers)');
        throw new OutpostError('unauthorized', 'a valid admin key is required (Authorization: Bearer <admin key>), or a dashboard login');
      }
      if (session.userId !== undefined) {
        if (!(await roles.roleOf(await store.auth.getUser(session.userId)))) {
          sessions.end(ctx.req);
          throw new OutpostError('unauthorized', 'this user no longer has the admin role');
        }
        who = `user:${session.userId}`;
      } else who = `dashboard-session:${session.id.slice(0, 8)}`;
    }
    if (ctx.req.method !== 'GET' && ctx.req.method !== 'HEAD') ctx.log.info({ admin: who, method: ctx.req.method, path: ctx.url.pathname }, 'admin action');
    return handler(ctx, who);
  };
  const route = (method: string, path: string, handler: (ctx: HttpContext, who: string) => ReturnType<Parameters<OutpostHttpServer['route']>[2]>) => http.route(method, path, admin(handler));

  // The dashboard's login: the admin key, or the credentials of a user with the admin role (an
  // email and password, or an access token of any provider), buys a session cookie (HttpOnly,
  // SameSite=Strict) and a CSRF token the page sends back in a header with every request.
  http.route('POST', '/api/admin/session', async (ctx) => {
    const body = parseBody(loginBody, await ctx.json());
    let userId: string | undefined;
    if ('key' in body) {
      if (!expected) throw new OutpostError('permission_denied', 'the admin API is disabled: configure an admin key (OUTPOST_ADMIN_KEY)');
      if (!keyMatches(body.key)) {
        ctx.log.warn({ ip: ctx.ip }, 'dashboard login refused');
        throw new OutpostError('unauthorized', 'that is not the admin key');
      }
    } else {
      userId = 'accessToken' in body ? (await auth.verifyAccessToken(body.accessToken)).userId : await auth.verifyEmailPassword(body.email, body.password, { ip: ctx.ip });
      if (!(await roles.roleOf(await store.auth.getUser(userId)))) {
        ctx.log.warn({ ip: ctx.ip, userId }, 'dashboard login refused: not an admin');
        throw new OutpostError('permission_denied', 'this user does not have the admin role');
      }
    }
    const session = sessions.create(userId);
    const who = userId !== undefined ? `user:${userId}` : `dashboard-session:${session.id.slice(0, 8)}`;
    ctx.log.info({ admin: who, ip: ctx.ip }, 'dashboard login');
    return { status: 201, body: { csrf: session.csrf, expiresAt: session.expiresAt, ...(userId !== undefined ? { userId } : {}) }, headers: { 'Set-Cookie': sessions.cookie(session) } };
  });
  http.route('GET', '/api/admin/session', async (ctx) => {
    const session = sessions.fromCookie(ctx.req);
    if (!session) throw new OutpostError('unauthorized', 'no dashboard login');
    if (session.userId !== undefined && !(await roles.roleOf(await store.auth.getUser(session.userId)))) {
      sessions.end(ctx.req);
      throw new OutpostError('unauthorized', 'this user no longer has the admin role');
    }
    return { status: 200, body: { csrf: session.csrf, expiresAt: session.expiresAt, ...(session.userId !== undefined ? { userId: session.userId } : {}) } };
  });
  route('DELETE', '/api/admin/session', async (ctx) => {
    sessions.end(ctx.req);
    return { status: 204, headers: { 'Set-Cookie': `${ADMIN_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0` } };
  });

  // The admin role of users: granted or withdrawn by an admin (configured admins stay admins).
  route('PUT', '/api/admin/users/:id/admin', async (ctx, who) => {
    const body = parseBody(roleBody, await ctx.json());
    const user = await store.auth.getUser(ctx.params.id!);
    if (!user) throw new OutpostError('not_found', 'no such user');
    if (!body.admin && who === `user:${user.id}`) throw new OutpostError('bad_message', 'an admin cannot withdraw their own role (another admin can)');
    const role = await roles.set(user, body.admin);
    ctx.log.info({ admin: who, userId: user.id, role: role ?? null }, 'admin role changed');
    return { status: 200, body: { userId: user.id, admin: role ?? null } };
  });

  // The history, newest first, decoded: a page of at most `limit` entries matching the filters,
  // found within 5,000 versions below `before` (`next` goes on from where the scan stopped).
  route('GET', '/api/admin/history', async (ctx) => {
    const limit = intParam(ctx, 'limit', 1, 500, 50)!;
    const latest = await store.latestVersion();
    const before = intParam(ctx, 'before', 1, Number.MAX_SAFE_INTEGER) ?? latest + 1;
    const origin = intParam(ctx, 'origin', 1, Number.MAX_SAFE_INTEGER);
    const type = ctx.url.searchParams.get('type') || undefined;
    const pk = ctx.url.searchParams.get('pk') || undefined;
    const first = await store.firstVersion();
    const touches = (i: Instruction) => i.op !== 'AddType' && i.op !== 'AddField' && (type === undefined || i.type === type) && (pk === undefined || String(i.pk) === pk || pkKey(i.pk as PrimaryKey).slice(1) === pk);
    const users = new Map<number, string | null>([[1, null]]);
    const out: unknown[] = [];
    let upTo = Math.min(before - 1, latest);
    const floor = Math.max(first - 1, upTo - 5000, 0);
    while (upTo > floor && out.length < limit) {
      const from = Math.max(floor, upTo - 500);
      const rows = await store.history(from, upTo);
      for (const r of rows.reverse()) {
        if (out.length >= limit) {
          upTo = r.version;
          break;
        }
        upTo = r.version - 1;
        if (origin !== undefined && r.origin !== origin) continue;
        const ops = type === undefined && pk === undefined ? r.changeset.instructions : r.changeset.instructions.filter(touches);
        if (ops.length === 0) continue;
        if (!users.has(r.origin)) users.set(r.origin, (await store.getClientFile(r.origin))?.userId ?? null);
        out.push({
          version: r.version,
          origin: r.origin,
          userId: users.get(r.origin),
          originVersion: r.originVersion,
          privateTo: r.privateTo,
          at: hlcWall(r.changeset.timestamp),
          instructions: ops.map(encodeInstruction),
          ...(ops.length < r.changeset.instructions.length ? { more: r.changeset.instructions.length - ops.length } : {}),
        });
      }
      if (rows.length === 0) upTo = from;
    }
    return { status: 200, body: { history: out, latest, first, ...(upTo > Math.max(first - 1, 0) ? { next: upTo + 1 } : {}) } };
  });

  // This node's metrics, and every live node's when several share a PostgreSQL database.
  route('GET', '/api/admin/metrics/history', async () => {
    const own = options.hooks?.metricsHistory?.() ?? { intervalMs: 0, samples: [] };
    const nodes = options.hooks?.nodes;
    return { status: 200, body: { ...own, ...(nodes ? { node: nodes.nodeId, nodes: await nodes.metrics() } : {}) } };
  });

  // Live sessions of every node (each with its node).
  route('GET', '/api/admin/sessions', async () => {
    const nodes = options.hooks?.nodes;
    const sessions = nodes ? await nodes.sessions() : (options.hooks?.sessions?.() ?? []);
    return { status: 200, body: { sessions, ...(nodes ? { node: nodes.nodeId } : {}) } };
  });

  // Ends a client file's sessions: on the node named by `?node=`, or wherever they run.
  route('POST', '/api/admin/sessions/:clientFile/disconnect', async (ctx, who) => {
    const ident = identParam(ctx.params.clientFile);
    const node = ctx.url.searchParams.get('node') || undefined;
    const nodes = options.hooks?.nodes;
    if (!nodes && !options.hooks?.disconnect) throw new OutpostError('internal', 'the sync engine is not running');
    const r = nodes ? await nodes.disconnect(ident, node) : { ended: options.hooks!.disconnect!(ident), asked: [] as string[] };
    if (r.ended === 0 && r.asked.length === 0) throw new OutpostError('not_found', 'no live session of that client file');
    ctx.log.info({ admin: who, clientFile: ident, ended: r.ended, asked: r.asked }, 'session disconnected');
    return { status: 200, body: r };
  });

  // Client files, newest first: last seen, versions, user, the node that serves (or last served) it.
  route('GET', '/api/admin/client-files', async (ctx) => {
    const limit = intParam(ctx, 'limit', 1, 1000, 100)!;
    const before = intParam(ctx, 'before', 1, Number.MAX_SAFE_INTEGER);
    const userId = ctx.url.searchParams.get('user') || undefined;
    const files = await store.listClientFiles({ limit, ...(before !== undefined ? { beforeIdent: before } : {}), ...(userId ? { userId } : {}) });
    const nodes = options.hooks?.nodes;
    // A live session knows more than the store: the cursor of what it sent (the store keeps what the client last showed it holds).
    const live = new Map((nodes ? await nodes.sessions() : []).map((s) => [s.clientFile, s]));
    const last = nodes ? await nodes.lastNodes(files.map((f) => f.ident)) : new Map<number, string>();
    return {
      status: 200,
      body: {
        clientFiles: files.map((f) => ({
          ident: f.ident,
          userId: f.userId,
          createdAt: f.createdAt,
          lastSeenAt: f.lastSeenAt,
          clientVersion: Math.max(f.lastIntegrated, live.get(f.ident)?.clientVersion ?? 0),
          serverVersion: Math.max(f.syncedVersion, live.get(f.ident)?.serverVersion ?? 0),
          queryVersion: f.queryVersion,
          subscriptions: f.subscriptions.length,
          node: live.get(f.ident)?.node ?? last.get(f.ident) ?? null,
          live: live.has(f.ident),
          retired: f.expiredAt === null ? null : { at: f.expiredAt, reason: f.expiredReason, action: f.expiredAction },
        })),
        ...(files.length === limit ? { next: files[files.length - 1]!.ident } : {}),
      },
    };
  });

  // Reset: the client resets and recovers what it had not uploaded onto a new file. Retire: the
  // ident is refused for good and nothing it held is recovered (a lost or stolen device).
  for (const action of ['reset', 'retire'] as const) {
    route('POST', `/api/admin/client-files/:ident/${action}`, async (ctx, who) => {
      const ident = identParam(ctx.params.ident);
      const file = await store.getClientFile(ident);
      if (!file) throw new OutpostError('not_found', 'no such client file');
      if (file.expiredAt !== null) throw new OutpostError('bad_client_file', `client file ${ident} was already retired (${file.expiredReason ?? 'no reason'})`);
      const hook = action === 'reset' ? options.hooks?.resetClients : options.hooks?.retireClientFile;
      if (!hook) throw new OutpostError('internal', 'the sync engine is not running');
      const n = action === 'reset' ? await options.hooks!.resetClients!({ clientFile: ident }, 'an administrator reset it') : await options.hooks!.retireClientFile!(ident);
      // Its sessions on other nodes end too; the client's next IDENT is refused with the reset.
      await options.hooks?.nodes?.disconnect(ident);
      ctx.log.info({ admin: who, clientFile: ident, action }, `client file ${action}`);
      return { status: 200, body: { [action === 'reset' ? 'reset' : 'retired']: n } };
    });
  }

  route('POST', '/api/admin/rules/dry-run', async (ctx) => {
    if (!options.hooks?.dryRun) throw new OutpostError('internal', 'the sync engine is not running');
    const body = parseBody(dryRunBody, await ctx.json());
    await checkRules(store, options, body.rules);
    const rules: RolesConfig = { byType: body.rules.byType, default: body.rules.default };
    return { status: 200, body: await options.hooks.dryRun(rules, body.userId, body.type) };
  });

  route('GET', '/api/admin/schema', async () => ({ status: 200, body: { schema: (await store.getSchema()) ?? options.schema } }));

  route('PUT', '/api/admin/schema', async (ctx) => {
    const body = parseBody(schemaBody, await ctx.json());
    const schema = parseSchema(body.schema as unknown as ObjectSchemaInput[]).toJSON();
    if (options.hooks?.setSchema) await options.hooks.setSchema(schema, { breaking: body.breaking });
    else await store.transaction((tx) => tx.setSchema(schema));
    return { status: 200, body: { schema } };
  });

  route('POST', '/api/admin/sync/compact', async () => {
    if (!options.hooks?.compact) throw new OutpostError('internal', 'the sync engine is not running');
    return { status: 200, body: await options.hooks.compact() };
  });

  route('POST', '/api/admin/sync/reset', async (ctx) => {
    if (!options.hooks?.resetClients) throw new OutpostError('internal', 'the sync engine is not running');
    const body = parseBody(resetBody, await ctx.json());
    const picked = (body.userId !== undefined ? 1 : 0) + (body.clientFile !== undefined ? 1 : 0) + (body.all ? 1 : 0);
    if (picked !== 1) throw new OutpostError('bad_message', 'give exactly one of userId, clientFile or all: true');
    const selector = { ...(body.userId !== undefined ? { userId: body.userId } : {}), ...(body.clientFile !== undefined ? { clientFile: body.clientFile } : {}) };
    const retired = await options.hooks.resetClients(selector, body.reason ?? 'an administrator reset it');
    return { status: 200, body: { retired } };
  });

  // The conflict journal, newest first; `before` pages on (the `next` of the previous page).
  route('GET', '/api/admin/conflicts', async (ctx) => {
    const limit = intParam(ctx, 'limit', 1, 1000, 100)!;
    const before = intParam(ctx, 'before', 1, Number.MAX_SAFE_INTEGER);
    const loser = ctx.url.searchParams.get('loser') ?? undefined;
    const type = ctx.url.searchParams.get('type') ?? undefined;
    const rows = await store.listConflicts({
      limit,
      newestFirst: true,
      includeDismissed: true,
      ...(before !== undefined ? { beforeId: before } : {}),
      ...(loser ? { loserUserId: loser } : {}),
      ...(type ? { type } : {}),
    });
    return { status: 200, body: { conflicts: rows.map(conflictJson), ...(rows.length === limit ? { next: rows[rows.length - 1]!.id } : {}) } };
  });

  route('GET', '/api/admin/rules', async () => ({ status: 200, body: { rules: await currentRules(store, options.roles) } }));

  route('PUT', '/api/admin/rules', async (ctx) => {
    const body = parseBody(rulesBody, await ctx.json());
    await checkRules(store, options, body.rules);
    const rules: RolesConfig = { byType: body.rules.byType, default: body.rules.default };
    if (options.hooks?.setRules) await options.hooks.setRules(rules);
    else await store.setSetting('rules', rules);
    return { status: 200, body: { rules } };
  });

  route('GET', '/api/admin/users', async (ctx) => {
    const limitText = ctx.url.searchParams.get('limit');
    const limit = limitText === null ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new OutpostError('bad_message', 'limit must be an integer from 1 to 1000');
    const after = ctx.url.searchParams.get('after') ?? undefined;
    const users = await store.auth.listUsers({ ...(after ? { afterId: after } : {}), limit });
    const granted = await roles.granted();
    const listed = await Promise.all(users.map(async (u) => userJson(u, (await roles.roleOf(u, granted)) ?? null)));
    return { status: 200, body: { users: listed, ...(users.length === limit ? { next: users[users.length - 1]!.id } : {}) } };
  });

  route('POST', '/api/admin/users', async (ctx) => {
    const body = parseBody(createUserBody, await ctx.json());
    if ((body.email === undefined) !== (body.password === undefined)) throw new OutpostError('bad_message', 'give both email and password, or neither');
    const user = await auth.createUser(body);
    return { status: 201, body: { user: userJson(user) } };
  });

  route('GET', '/api/admin/users/:id', async (ctx) => {
    const user = await store.auth.getUser(ctx.params.id!);
    if (!user) throw new OutpostError('not_found', 'no such user');
    return { status: 200, body: { user: userJson(user) } };
  });

  route('DELETE', '/api/admin/users/:id', async (ctx) => {
    if (!(await auth.deleteUser(ctx.params.id!))) throw new OutpostError('not_found', 'no such user');
    return { status: 204 };
  });

  route('PUT', '/api/admin/users/:id/custom-data', async (ctx) => {
    const body = parseBody(customDataBody, await ctx.json());
    if (!(await auth.setCustomData(ctx.params.id!, body.customData))) throw new OutpostError('not_found', 'no such user');
    return { status: 200, body: { customData: body.customData } };
  });

  route('GET', '/api/admin/api-keys', async () => ({
    status: 200,
    body: { apiKeys: (await store.auth.listApiKeys()).map((k) => ({ id: k.id, name: k.name, userId: k.userId, createdAt: k.createdAt, revokedAt: k.revokedAt })) },
  }));

  route('POST', '/api/admin/api-keys', async (ctx) => {
    const body = parseBody(apiKeyBody, await ctx.json());
    return { status: 201, body: await auth.createApiKey(body.name) };
  });

  route('DELETE', '/api/admin/api-keys/:id', async (ctx) => {
    if (!(await auth.revokeApiKey(ctx.params.id!))) throw new OutpostError('not_found', 'no such API key');
    return { status: 204 };
  });
}
