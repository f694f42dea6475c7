import { OutpostError } from '../../errors.ts';
import { parseSchema, type ObjectSchemaInput } from '../../model/index.ts';
import { rulesFromConfig, sessionLimitsFromConfig } from '../config/load.ts';
import { currentRules } from '../config/stored-rules.ts';
import type { ServerParts, SyncAttachment, SyncRoute } from '../parts.ts';
import { createSyncMetrics } from '../metrics.ts';
import { DataApi, type DataCaller, type DataRequest } from './data-api.ts';
import { schemaAdditions, SyncEngine } from './engine.ts';
import { SessionRoles, type RulesSpec } from './roles.ts';
import { compactHistory, replaceSchema, retireClientFiles } from './reset.ts';
import { createSyncEndpoint } from './websocket.ts';

const DATA_ACTIONS: readonly DataRequest['action'][] = ['query', 'get', 'insert', 'insertMany', 'update', 'delete'];

/**
 * Starts the sync engine on the server's parts and returns what the server process mounts on its
 * HTTP server: the WebSocket endpoint, the data API (`POST /api/data/:type/{query,get,insert,
 * update,delete}`, for the admin key or a user's access token), and the admin hooks that apply
 * schema and rules changes to the running engine.
 */
export async function attachSyncEngine(parts: ServerParts): Promise<SyncAttachment> {
  const { config, log, store, auth, metrics } = parts;
  const roles = await currentRules(store, config.roles);
  if (Object.keys(roles.byType).length === 0 && roles.default.length === 0) {
    log.warn(
      {},
      'no roles are configured: every read and write is denied. Grant access with "roles" in the configuration ' +
        '(e.g. "roles": {"default": [{"name": "owner", "applyWhen": true, "read": "ownerId == %%user.id", "write": "ownerId == %%user.id"}]}) ' +
        'or PUT /api/admin/rules; see docs/server.md',
    );
  }
  const engine = await SyncEngine.open({
    store,
    schema: config.schema,
    developmentMode: config.developmentMode,
    queryable: config.queryableFields,
    maxQueryLength: config.limits.maxQueryBytes,
    rules: rulesFromConfig({ roles }) as RulesSpec,
    metrics: createSyncMetrics(metrics),
    maxOfflineMs: config.history.maxOfflineSeconds * 1000,
    maxClockAheadMs: config.limits.maxClockSkewSeconds * 1000,
  });
  // Compaction on every node is safe (it runs under the append lock) and cheap when there is nothing to do.
  const compactor = setInterval(() => {
    compactHistory(engine).then(
      (r) => {
        if (r.retired > 0 || r.removed > 0) log.info({ ...r }, 'history compacted');
      },
      (err: Error) => log.error({ err: err.message }, 'history compaction failed'),
    );
  }, config.history.compactIntervalSeconds * 1000);
  compactor.unref();
  const endpoint = createSyncEndpoint({
    engine,
    auth,
    log,
    allowedOrigins: config.allowedOrigins,
    limits: sessionLimitsFromConfig(config),
    ...(config.limits.maxSessions !== undefined ? { maxSessions: config.limits.maxSessions } : {}),
  });

  const data = new DataApi(engine);
  const caller = async (token: string | undefined): Promise<DataCaller> => {
    if (!token) throw new OutpostError('unauthorized', 'an admin key or an access token is required');
    if (parts.adminKey !== undefined && token === parts.adminKey) return { kind: 'admin' };
    const user = await auth.verifyAccessToken(token);
    return { kind: 'user', user: await auth.loadUser(user.userId) };
  };
  const routes: SyncRoute[] = DATA_ACTIONS.map((action) => ({
    method: 'POST',
    path: `/api/data/:type/${action}`,
    handler: async (ctx) => {
      const who = await caller(ctx.bearer());
      const body = await ctx.json();
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new OutpostError('bad_message', 'the body must be a JSON object');
      return data.handle(who, { action, type: ctx.params.type!, body: body as Record<string, unknown> });
    },
  }));

  return {
    upgrade: (req, socket, head) => endpoint.handleUpgrade(req, socket, head),
    routes,
    adminHooks: {
      async setSchema(schema: ObjectSchemaInput[], options: { breaking: boolean }) {
        if (options.breaking) {
          const r = await replaceSchema(engine, schema);
          log.warn({ ...r }, 'breaking schema change: every client file was retired');
          return;
        }
        // Additive changes only, unless marked breaking: a breaking change resets every client.
        const next = parseSchema(schema);
        for (const [name, t] of engine.schema.types) {
          const n = next.get(name);
          if (!n) throw new OutpostError('schema_mismatch', `type ${name} cannot be removed (unless the change is marked breaking)`);
          for (const field of t.properties.keys()) {
            if (!n.properties.has(field)) throw new OutpostError('schema_mismatch', `field ${name}.${field} cannot be removed (unless the change is marked breaking)`);
          }
        }
        const additions = schemaAdditions(engine.schema, next);
        if (additions.length) await engine.serverWrite(additions);
      },
      compact: () => compactHistory(engine),
      async resetClients(selector, reason) {
        return retireClientFiles(
          engine,
          { ...(selector.userId !== undefined ? { userId: selector.userId } : {}), ...(selector.clientFile !== undefined ? { idents: [selector.clientFile] } : {}) },
          reason,
        );
      },
      retireClientFile: (clientFile) => retireClientFiles(engine, { idents: [clientFile] }, 'an administrator retired it', 'client_reset_no_recovery'),
      sessions: () => [...engine.sessions].flatMap((sess) => (sess.describe ? [sess.describe()] : [])),
      disconnect(clientFile) {
        const live = [...engine.sessions].filter((sess) => sess.ident === clientFile);
        for (const sess of live) sess.endByAdmin?.();
        return live.length;
      },
      async dryRun(rules, userId, type) {
        const t = engine.schema.get(type);
        if (!t || t.embedded) throw new OutpostError('not_found', `no object type ${type}`);
        if (!(await store.auth.getUser(userId))) throw new OutpostError('not_found', 'no such user');
        const roles = new SessionRoles(engine.schema, rulesFromConfig({ roles: rules }) as RulesSpec, await auth.loadUser(userId), engine.queryable);
        const role = roles.get(type);
        if (role.read.kind === 'none') return { readable: 0, role: role.name };
        // Every object of the type, cut by the role's read rule, counted a page at a time.
        const all = engine.compileSubscriptions([{ objectType: type, query: 'TRUEPREDICATE', args: [] }]);
        const filter = { subscriptions: all, readFilter: role.read.kind === 'filter' ? role.read.query : null };
        let readable = 0;
        let afterPk: string | undefined;
        for (;;) {
          const page = await store.queryObjects(type, filter, { ...(afterPk !== undefined ? { afterPk } : {}), limit: 1000 });
          readable += page.length;
          if (page.length < 1000) break;
          afterPk = page[page.length - 1]!.pk;
        }
        return { readable, role: role.name };
      },
      async setRules(rules) {
        await store.setSetting('rules', rules);
        // Sessions keep the role chosen when they started; new sessions get the new rules.
        engine.rules = rulesFromConfig({ roles: rules }) as RulesSpec;
      },
    },
    async close() {
      clearInterval(compactor);
      await endpoint.close();
      engine.close();
    },
  };
}
