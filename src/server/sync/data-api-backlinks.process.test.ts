import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectSchemaInput } from '../../model/index.ts';
import { ADMIN_KEY, api, baseConfig, startServerProcess, user, type ServerProcess } from '../testing/server-process.ts';

/*
 * Backlink queries on the server's data API (a real server process): answered over what the
 * caller may read of every type the query reaches, so a Task its role hides never counts as a
 * link; refused in subscriptions (Realm's flexible sync did not take them).
 */

const schema: ObjectSchemaInput[] = [
  { name: 'Person', primaryKey: '_id', properties: { _id: 'string', name: 'string', tasks: { type: 'linkingObjects', objectType: 'Task', property: 'assignee' } } },
  { name: 'Task', primaryKey: '_id', properties: { _id: 'string', owner: 'string', title: 'string', assignee: 'Person?' } },
];

let server: ServerProcess;
let ana: { userId: string; accessToken: string };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-backlinks-'));
  server = await startServerProcess(
    baseConfig(dir, {
      schema,
      queryableFields: { global: ['owner', 'title', 'name', 'assignee'] },
      roles: {
        byType: {
          Person: [{ name: 'everyone', applyWhen: true, read: true, write: false }],
          Task: [{ name: 'own', applyWhen: true, read: 'owner == %%user.id', write: 'owner == %%user.id' }],
        },
        default: [],
      },
    }),
  );
  ana = await user(server.url, 'ana@example.com');
  const admin = (type: string, action: string, body: unknown) => api(server.url, 'POST', `/api/data/${type}/${action}`, body, ADMIN_KEY);
  for (const [id, name] of [['p1', 'Pat'], ['p2', 'Sam']]) expect((await admin('Person', 'insert', { object: { _id: id, name } })).status).toBe(201);
  const tasks: [string, string, string][] = [['t1', ana.userId, 'p1'], ['t2', ana.userId, 'p1'], ['t3', 'someone-else', 'p2'], ['t4', 'someone-else', 'p1']];
  for (const [id, owner, assignee] of tasks) {
    expect((await admin('Task', 'insert', { object: { _id: id, owner, title: id, assignee } })).status).toBe(201);
  }
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('backlinks through the data API', () => {
  it('counts only the linking objects the caller may read', async () => {
    const query = (token: string, q: string) => api(server.url, 'POST', '/api/data/Person/query', { query: q }, token);
    const names = (r: { json: { objects: { name: string }[] } }) => r.json.objects.map((o) => o.name).sort();
    // The administrator sees every Task: Pat has 3, Sam 1.
    expect(names(await query(ADMIN_KEY, 'tasks.@count == 3'))).toEqual(['Pat']);
    expect(names(await query(ADMIN_KEY, '@links.Task.assignee.@count == 1'))).toEqual(['Sam']);
    // Ana reads her own Tasks only: Pat has 2 of hers, Sam none.
    const mine = await query(ana.accessToken, 'tasks.@count == 2');
    expect(mine.status).toBe(200);
    expect(names(mine)).toEqual(['Pat']);
    expect(names(await query(ana.accessToken, 'tasks.@count == 0'))).toEqual(['Sam']);
    expect(names(await query(ana.accessToken, "ANY tasks.title == 't4'"))).toEqual([]);
  });
});
