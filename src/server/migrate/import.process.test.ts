import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectId, parseSchema, type ObjectSchemaInput } from '../../model/index.ts';
import { ADMIN_KEY, AUDIENCE, ISSUER, JWT_SECRET, startServerProcess, user, type ServerProcess } from '../testing/server-process.ts';
import { ProtocolClient } from '../testing/protocol-client.ts';
import { importApp } from './import-app.ts';

/*
 * The migration path against a real server process: the todo template export through
 * import-app, the server started on that configuration, a client connected and subscribed, then
 * `bin/outpost.js import-data` (the command users run) loading an EJSON dump: the client receives
 * the documents live, the refused line is named, and the client's writes obey the imported rules.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const imported = importApp(join(root, 'src/server/migrate/testing/fixtures/todo-template/export'));
const schema = parseSchema(imported.config.schema as ObjectSchemaInput[]);

let server: ServerProcess;
let ana: { userId: string; accessToken: string };
let ben: { userId: string; accessToken: string };
const clients: ProtocolClient[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-import-proc-'));
  server = await startServerProcess({
    ...imported.config,
    host: '127.0.0.1',
    port: 0,
    store: dir,
    auth: { ...(imported.config.auth as object), tokens: { secret: JWT_SECRET, issuer: ISSUER, audience: AUDIENCE } },
    adminKey: ADMIN_KEY,
    logLevel: 'warn',
  });
  ana = await user(server.url, 'ana@example.com');
  ben = await user(server.url, 'ben@example.com');
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server?.stop();
});

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'outpost.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

const ids = Array.from({ length: 6 }, (_, i) => new ObjectId((i + 1).toString(16).padStart(24, 'a')));

describe('import-data into a running server', () => {
  it('reaches a connected client live; refused lines are named; writes obey the imported rules', async () => {
    const client = new ProtocolClient({ url: server.wsUrl, token: ana.accessToken, schema });
    clients.push(client);
    await client.connect();
    await client.subscribe([{ objectType: 'Item', query: 'TRUEPREDICATE', args: [] }]);
    expect(client.state.count('Item')).toBe(0);

    const line = (id: ObjectId, owner: string, summary: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ _id: { $oid: id.toHexString() }, isComplete: false, owner_id: owner, summary, ...extra });
    const dump = [
      line(ids[0]!, ana.userId, 'Buy milk'),
      line(ids[1]!, ben.userId, 'Walk the dog', { isComplete: { $numberInt: '1' } }),
      line(ids[2]!, ben.userId, 'Call mum'),
      line(ids[3]!, ana.userId, 'File taxes', { isComplete: true }),
    ].join('\n');
    const file = join(mkdtempSync(join(tmpdir(), 'outpost-dump-')), 'Item.json');
    writeFileSync(file, dump + '\n');

    const r = await run(['import-data', '--server', server.url, '--admin-key', ADMIN_KEY, '--type', 'Item', file]);
    expect(r.err).toContain('line 2: Item.isComplete: expected bool');
    expect(r.out).toContain('Item: 3 imported, 0 already there, 1 refused');
    expect(r.code).toBe(1);

    await client.until(() => client.state.count('Item') === 3);
    expect(client.state.get('Item', ids[0]!)?.summary).toBe('Buy milk');
    expect(client.state.get('Item', ids[3]!)?.isComplete).toBe(true);

    // Running it again from the start (--restart) finds every document there and adds none.
    const again = await run(['import-data', '--server', server.url, '--admin-key', ADMIN_KEY, '--type', 'Item', file, '--restart']);
    expect(again.out).toContain('Item: 0 imported, 3 already there, 1 refused');

    // The imported rule: everyone reads every item, only the owner writes.
    client.write([{ op: 'Set', type: 'Item', pk: ids[0]!, path: ['isComplete'], value: true }]);
    client.write([{ op: 'Set', type: 'Item', pk: ids[2]!, path: ['summary'], value: 'not mine' }]);
    await client.sync();
    await client.until(() => client.errors.some((e) => e.code === 'compensating_write'));
    await client.sync();
    expect(client.state.get('Item', ids[0]!)?.isComplete).toBe(true);
    expect(client.state.get('Item', ids[2]!)?.summary).toBe('Call mum');
  }, 120_000);
});
