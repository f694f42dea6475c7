import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, bearer, request, startHttpTestServer, type HttpTestServer } from '../testing/http-server.ts';

let t: HttpTestServer;
const schema = [{ name: 'Task', primaryKey: '_id', properties: { _id: 'objectId', owner: 'string', title: 'string' } }];
beforeAll(async () => {
  t = await startHttpTestServer({ schema, queryableFields: { global: ['owner'] } });
});
afterAll(() => t.close());

const admin = (method: string, path: string, json?: unknown) => request(t.base, method, path, { headers: bearer(ADMIN_KEY), ...(json !== undefined ? { json } : {}) });

describe('HTTP admin API', () => {
  it('requires the admin key; refuses every request when none is configured', async () => {
    expect((await request(t.base, 'GET', '/api/admin/users')).json.error.code).toBe('unauthorized');
    const wrong = await request(t.base, 'GET', '/api/admin/users', { headers: bearer(ADMIN_KEY.slice(0, -1) + 'X') });
    expect(wrong.status).toBe(401);
    expect((await request(t.base, 'GET', '/api/admin/users', { headers: bearer(ADMIN_KEY + 'extra') })).status).toBe(401);
    expect((await request(t.base, 'GET', '/api/admin/users', { headers: bearer('') })).status).toBe(401);
    const off = await startHttpTestServer({}, { adminKey: null });
    const r = await request(off.base, 'GET', '/api/admin/users', { headers: bearer(ADMIN_KEY) });
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('permission_denied');
    await off.close();
  });

  it('gets and puts the schema (validated)', async () => {
    expect((await admin('GET', '/api/admin/schema')).json.schema).toEqual(schema);
    const next = [...schema, { name: 'Note', primaryKey: '_id', properties: { _id: 'string', text: 'string?' } }];
    const put = await admin('PUT', '/api/admin/schema', { schema: next });
    expect(put.status).toBe(200);
    expect((await admin('GET', '/api/admin/schema')).json.schema.map((s: { name: string }) => s.name)).toEqual(['Task', 'Note']);
    const bad = await admin('PUT', '/api/admin/schema', { schema: [{ name: 'X', properties: { a: 'string' } }] });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('schema_invalid');
    expect((await admin('PUT', '/api/admin/schema', { schema: 'Task' })).json.error.code).toBe('bad_message');
    const proto = await request(t.base, 'PUT', '/api/admin/schema', {
      headers: { ...bearer(ADMIN_KEY), 'content-type': 'application/json' },
      body: '{"schema": [{"name": "X", "primaryKey": "_id", "properties": {"_id": "string", "__proto__": "int"}}]}',
    });
    expect(proto.status).toBe(400);
    expect(proto.json.error.message).toMatch(/__proto__/);
  });

  it('gets and puts the rules (filters checked against the schema)', async () => {
    // Deny unless a rule grants: nothing is configured by default.
    expect((await admin('GET', '/api/admin/rules')).json.rules).toEqual({ byType: {}, default: [] });
    const rules = { byType: { Task: [{ name: 'owner', applyWhen: true, read: 'owner == %%user.id', write: 'owner == %%user.id' }] }, default: [] };
    expect((await admin('PUT', '/api/admin/rules', { rules })).status).toBe(200);
    expect((await admin('GET', '/api/admin/rules')).json.rules).toEqual(rules);
    const bad = await admin('PUT', '/api/admin/rules', { rules: { byType: { Task: [{ name: 'x', applyWhen: true, read: 'title ==', write: false }] } } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('bad_query');
    expect((await admin('PUT', '/api/admin/rules', { rules: { byType: { Task: [{ name: 'x', read: true }] } } })).json.error.code).toBe('bad_message');
  });

  it('lists, creates, reads, updates and deletes users', async () => {
    const created = await admin('POST', '/api/admin/users', { email: 'Ops@Example.com', password: 'correct horse', customData: { role: 'ops' } });
    expect(created.status).toBe(201);
    expect(created.json.user).toMatchObject({ email: 'ops@example.com', provider: 'email', customData: { role: 'ops' } });
    expect(created.json.user.passwordHash).toBeUndefined();
    const id = created.json.user.id as string;
    const anon = await admin('POST', '/api/admin/users', {});
    expect(anon.json.user.provider).toBe('anonymous');
    expect((await admin('POST', '/api/admin/users', { email: 'ops@example.com', password: 'correct horse' })).status).toBe(409);
    expect((await admin('POST', '/api/admin/users', { email: 'x@example.com' })).status).toBe(400);
    expect((await admin('GET', `/api/admin/users/${id}`)).json.user.id).toBe(id);
    const list = await admin('GET', '/api/admin/users?limit=1');
    expect(list.json.users).toHaveLength(1);
    expect(list.json.next).toBeDefined();
    const page2 = await admin('GET', `/api/admin/users?limit=1&after=${list.json.next}`);
    expect(page2.json.users[0].id).not.toBe(list.json.users[0].id);
    expect((await admin('GET', '/api/admin/users?limit=0')).status).toBe(400);
    expect((await admin('GET', '/api/admin/users?limit=abc')).status).toBe(400);
    const cd = await admin('PUT', `/api/admin/users/${id}/custom-data`, { customData: { role: 'admin', teams: ['a'] } });
    expect(cd.status).toBe(200);
    expect((await t.auth.loadUser(id)).custom_data).toEqual({ role: 'admin', teams: ['a'] });
    expect((await admin('PUT', `/api/admin/users/${id}/custom-data`, { customData: [1, 2] })).status).toBe(400);
    expect((await admin('PUT', `/api/admin/users/${id}/custom-data`, { customData: { constructor: { prototype: {} } } })).status).toBe(400);
    expect((await admin('PUT', '/api/admin/users/nope/custom-data', { customData: {} })).status).toBe(404);
    expect((await admin('DELETE', `/api/admin/users/${id}`)).status).toBe(204);
    expect((await admin('DELETE', `/api/admin/users/${id}`)).status).toBe(404);
    expect((await admin('GET', `/api/admin/users/${id}`)).status).toBe(404);
  });

  it('creates, lists and revokes server API keys (the key is shown once)', async () => {
    const created = await admin('POST', '/api/admin/api-keys', { name: 'backend' });
    expect(created.status).toBe(201);
    expect(created.json.key).toMatch(/^opk_/);
    const list = await admin('GET', '/api/admin/api-keys');
    expect(list.json.apiKeys).toEqual([{ id: created.json.id, name: 'backend', userId: created.json.userId, createdAt: created.json.createdAt, revokedAt: null }]);
    expect(list.text).not.toContain(created.json.key);
    const login = await request(t.base, 'POST', '/api/auth/login', { json: { provider: 'api-key', key: created.json.key } });
    expect(login.json.userId).toBe(created.json.userId);
    expect((await admin('DELETE', `/api/admin/api-keys/${created.json.id}`)).status).toBe(204);
    expect((await request(t.base, 'POST', '/api/auth/login', { json: { provider: 'api-key', key: created.json.key } })).status).toBe(401);
    expect((await admin('DELETE', '/api/admin/api-keys/nope')).status).toBe(404);
    expect((await admin('POST', '/api/admin/api-keys', { name: '' })).status).toBe(400);
    expect((await admin('POST', '/api/admin/api-keys', {})).status).toBe(400);
  });
});
