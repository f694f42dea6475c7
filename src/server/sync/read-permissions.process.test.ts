import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instruction } from '../../changeset/index.ts';
import { parseSchema, type ObjectSchemaInput } from '../../model/index.ts';
import { ADMIN_KEY, api, baseConfig, startServerProcess, user, type ServerProcess } from '../testing/server-process.ts';
import { ProtocolClient } from '../testing/protocol-client.ts';

/*
 * What a user may learn through a real server process (issue 15, holes 1, 2 and 4): a field its
 * role cannot read never reaches it, by any path; a changeset that moves an object out of its
 * view does not reach it either (only the erase); and creating a key that an object outside its
 * view holds is refused exactly as any create outside its view is.
 */

const noteSchema: ObjectSchemaInput[] = [
  { name: 'Note', primaryKey: '_id', properties: { _id: 'string', owner: 'string', grp: 'string', title: 'string', secret: 'string?' } },
];
const schema = parseSchema(noteSchema);

// Readable: your own notes and public ones; writable: your own. `secret` is hidden from everyone
// (the administrator writes it through the data API).
const role = {
  name: 'member',
  applyWhen: true,
  read: "owner == %%user.id OR grp == 'public'",
  write: 'owner == %%user.id',
  fields: { secret: { read: false } },
};

let server: ServerProcess;
let ana: { userId: string; accessToken: string };
let ben: { userId: string; accessToken: string };
const opened: ProtocolClient[] = [];

function open(token: string): ProtocolClient {
  const c = new ProtocolClient({ url: server.wsUrl, token, schema });
  opened.push(c);
  return c;
}

const all = [{ objectType: 'Note', query: 'TRUEPREDICATE', args: [] }];

function note(id: string, fields: Record<string, string>): Instruction[] {
  return [
    { op: 'CreateObject', type: 'Note', pk: id },
    ...Object.entries(fields).map(([k, v]): Instruction => ({ op: 'Set', type: 'Note', pk: id, path: [k], value: v })),
  ];
}

function set(id: string, fields: [string, string][]): Instruction[] {
  return fields.map(([k, v]): Instruction => ({ op: 'Set', type: 'Note', pk: id, path: [k], value: v }));
}

const admin = (action: string, body: unknown) => api(server.url, 'POST', `/api/data/Note/${action}`, body, ADMIN_KEY);
const asBen = (action: string, body: unknown) => api(server.url, 'POST', `/api/data/Note/${action}`, body, ben.accessToken);

/** Everything the client was sent, as one text. */
const seen = (c: ProtocolClient) => c.received.join('\n');

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-readperm-'));
  server = await startServerProcess(
    baseConfig(dir, {
      schema: noteSchema,
      queryableFields: { global: ['owner', 'grp', 'title', 'secret'] },
      roles: { byType: { Note: [role] }, default: [] },
    }),
  );
  ana = await user(server.url, 'ana@example.com');
  ben = await user(server.url, 'ben@example.com');
}, 120_000);

afterAll(async () => {
  for (const c of opened) c.disconnect();
  await server?.stop();
});

describe('a field the role cannot read', () => {
  it('never reaches the user: bootstrap, live download, STATE, reverts, TRANSACT, data API', async () => {
    expect((await admin('insert', { object: { _id: 'f1', owner: ana.userId, grp: 'public', title: 'one', secret: 'SECRET-F1' } })).status).toBe(201);
    expect((await admin('insert', { object: { _id: 'fb', owner: ben.userId, grp: 'public', title: 'mine', secret: 'SECRET-FB' } })).status).toBe(201);

    const b = open(ben.accessToken);
    await b.connect();
    await b.subscribe(all); // bootstrap: the objects enter as private rows
    expect(b.state.get('Note', 'f1')?.title).toBe('one');
    expect(b.state.get('Note', 'f1')?.secret ?? null).toBeNull();

    // A write of the hidden field is refused; the revert writes what the client may see.
    b.write(set('fb', [['secret', 'written-by-ben']]));
    await b.sync();
    await b.until(() => b.errors.some((e) => e.code === 'compensating_write'));
    expect(b.state.get('Note', 'fb')?.secret ?? null).toBeNull();
    const base = b.cursor.serverVersion;

    // Live: a change of the hidden field, and an object born with it.
    expect((await admin('update', { pk: 'f1', set: { secret: 'SECRET-F1-2', title: 'one-2' } })).status).toBe(200);
    expect((await admin('update', { pk: 'fb', set: { secret: 'SECRET-FB-2' } })).status).toBe(200);
    expect((await admin('insert', { object: { _id: 'f2', owner: ana.userId, grp: 'public', title: 'two', secret: 'SECRET-F2' } })).status).toBe(201);
    await b.sync();
    expect(b.state.get('Note', 'f1')?.title).toBe('one-2');
    expect(b.state.get('Note', 'f2')?.title).toBe('two');

    // TRANSACT based before the hidden field changed: no conflict (one would tell that it changed).
    b.send({
      t: 'TRANSACT',
      requestId: 901,
      base,
      reads: [{ type: 'Note', pk: 'fb' }],
      changeset: { origin: b.fileIdent!, timestamp: b.clock.tick(), instructions: set('fb', [['title', 'mine-2']]) },
    });
    await b.until(() => b.transactResults.has(901));
    expect(b.transactResults.get(901)).toMatchObject({ status: 'applied' });
    await b.sync();
    expect(b.state.get('Note', 'fb')?.title).toBe('mine-2');

    // A fresh copy.
    const c = open(ben.accessToken);
    await c.connect();
    const copy = await c.requestState(all);
    expect(copy.objects.length).toBeGreaterThanOrEqual(3);
    for (const o of copy.objects) expect(o.record.secret ?? null).toBeNull();

    // A subscription over the hidden field would tell which objects have a value: refused.
    const probe = open(ben.accessToken);
    await probe.connect();
    await probe.subscribe([{ objectType: 'Note', query: 'secret == $0', args: ['SECRET-F1-2'] }]);
    expect(probe.queryErrors.at(-1)).toMatchObject({ t: 'QUERY_ERROR', code: 'bad_query' });
    expect((probe.queryErrors.at(-1) as { message: string }).message).toContain('Note.secret');

    // The data API as the user.
    const got = await asBen('get', { pk: 'f1' });
    expect(got.status).toBe(200);
    expect(got.json.object.title).toBe('one-2');
    expect(got.json.object).not.toHaveProperty('secret');
    const listed = await asBen('query', {});
    expect(listed.status).toBe(200);
    expect(listed.json.objects.length).toBeGreaterThanOrEqual(3);
    for (const o of listed.json.objects) expect(o).not.toHaveProperty('secret');
    const filtered = await asBen('query', { query: 'secret BEGINSWITH $0', args: ['SECRET'] });
    expect(filtered.status).toBe(400);
    expect(filtered.json.error.code).toBe('bad_query');
    const sorted = await asBen('query', { query: 'TRUEPREDICATE SORT(secret ASC)' });
    expect(sorted.status).toBe(400);
    // The administrator still sees it.
    expect((await admin('get', { pk: 'f1' })).json.object.secret).toBe('SECRET-F1-2');

    for (const x of [b, c, probe]) expect(seen(x)).not.toContain('SECRET');
  }, 60_000);
});

describe('an object leaving a reader\u2019s view', () => {
  it('reaches the reader as an erase only, whatever the order of the changeset, with several objects, live and in a bootstrap', async () => {
    const a = open(ana.accessToken);
    await a.connect();
    await a.subscribe(all);
    for (const id of ['p1', 'p2', 'p3', 'p4', 'p6', 'p7']) a.write(note(id, { owner: ana.userId, grp: 'public', title: `${id} hello` }));
    a.write(note('p5', { owner: ana.userId, grp: 'private', title: 'p5 was private' }));
    await a.sync();

    const b = open(ben.accessToken);
    await b.connect();
    await b.subscribe(all);
    expect(b.state.get('Note', 'p1')?.title).toBe('p1 hello');
    expect(b.state.get('Note', 'p5')).toBeUndefined();

    // Out of view and a secret in one changeset, in either order; in another, one object stays
    // (its change is seen) while another leaves; and one enters (seen as it is when it enters).
    a.write(set('p1', [['grp', 'private'], ['title', 'SECRET-P1']]));
    a.write(set('p2', [['title', 'SECRET-P2'], ['grp', 'private']]));
    a.write([...set('p3', [['title', 'p3 still public']]), ...set('p4', [['title', 'SECRET-P4'], ['grp', 'private']])]);
    a.write(set('p5', [['grp', 'public']]));
    await a.sync();
    await b.sync();
    for (const id of ['p1', 'p2', 'p4']) expect(b.state.get('Note', id)).toBeUndefined();
    expect(b.state.get('Note', 'p3')?.title).toBe('p3 still public');
    expect(b.state.get('Note', 'p5')?.title).toBe('p5 was private');

    // While the reader is offline, then back with a new subscription set (a bootstrap cuts the
    // rows since its cursor) and with an upload of its own (planned under the upload's lock).
    b.disconnect();
    b.requestSubscriptions([...all, { objectType: 'Note', query: 'grp == $0', args: ['public'] }]);
    b.write(note('b1', { owner: ben.userId, grp: 'public', title: 'from ben' }));
    a.write(set('p6', [['grp', 'private'], ['title', 'SECRET-P6']]));
    a.write(set('p7', [['title', 'SECRET-P7'], ['grp', 'private']]));
    await a.sync();
    await b.connect();
    await b.sync();
    await b.until(() => b.queryVersionComplete >= b.subscriptions.version);
    for (const id of ['p6', 'p7']) expect(b.state.get('Note', id)).toBeUndefined();
    expect(b.state.get('Note', 'b1')?.title).toBe('from ben');
    expect(seen(b)).not.toContain('SECRET');

    // The writer and a fresh reader agree with the server about what B may see.
    const fresh = open(ben.accessToken);
    await fresh.connect();
    await fresh.subscribe(all);
    const ids = (c: ProtocolClient) => [...c.state.objects('Note')].map((o) => o._id as string).sort();
    expect(ids(b)).toEqual(ids(fresh));
  }, 60_000);
});

describe('a create of a key held outside the view', () => {
  it('is refused as any create outside the view is, and the revert carries nothing of the hidden object', async () => {
    const a = open(ana.accessToken);
    await a.connect();
    await a.subscribe(all);
    a.write(note('h1', { owner: ana.userId, grp: 'private', title: 'HIDDEN-H1' }));
    await a.sync();

    // Ben sees public notes only (his subscription), so a new note of his in another group is outside his view.
    const b = open(ben.accessToken);
    await b.connect();
    await b.subscribe([{ objectType: 'Note', query: 'grp == $0', args: ['public'] }]);
    const refusal = async (id: string, fields: Record<string, string>) => {
      const before = b.errors.length;
      const from = b.received.length;
      b.write(note(id, fields));
      await b.sync();
      await b.until(() => b.errors.length > before);
      expect(b.state.get('Note', id)).toBeUndefined();
      const w = b.errors.at(-1)!;
      const downloads = b.received.slice(from).filter((m) => m.includes('"DOWNLOAD"')).map((m) => JSON.parse(m));
      const reverts = downloads.flatMap((d) => d.items).map((i) => i.changeset.ops);
      return {
        code: w.code,
        writes: JSON.stringify(w.compensatingWrites?.map((c) => ({ ...c, clientVersion: 0 }))).replaceAll(id, '<pk>'),
        reverts: JSON.stringify(reverts).replaceAll(id, '<pk>'),
      };
    };
    // Outside the subscriptions: the existing key and a new one answer alike.
    const hidden = await refusal('h1', { owner: ben.userId, grp: 'team', title: 'mine' });
    const fresh = await refusal('n1', { owner: ben.userId, grp: 'team', title: 'mine' });
    expect(hidden).toEqual(fresh);
    expect(hidden.writes).toContain('write_outside_view');
    // Refused by the write rule: alike too.
    const hiddenDenied = await refusal('h1', { owner: ana.userId, grp: 'public', title: 'theirs' });
    const freshDenied = await refusal('n2', { owner: ana.userId, grp: 'public', title: 'theirs' });
    expect(hiddenDenied).toEqual(freshDenied);
    expect(hiddenDenied.writes).toContain('permission_denied');

    // TRANSACT answers alike.
    const t1 = await b.transact(note('h1', { owner: ben.userId, grp: 'team', title: 'mine' }));
    const t2 = await b.transact(note('n3', { owner: ben.userId, grp: 'team', title: 'mine' }));
    expect(JSON.stringify(t1).replace('h1', '<pk>').replace(/"requestId":\d+/, '')).toEqual(JSON.stringify(t2).replace('n3', '<pk>').replace(/"requestId":\d+/, ''));
    expect(t1).toMatchObject({ status: 'rejected' });

    // The data API answers alike: an insert over the hidden key is a write the role does not allow.
    const d1 = await asBen('insert', { object: { _id: 'h1', owner: ben.userId, grp: 'public', title: 'x' } });
    const d2 = await asBen('insert', { object: { _id: 'n4', owner: ana.userId, grp: 'public', title: 'x' } });
    expect(d1.status).toBe(d2.status);
    expect(d1.json).toEqual(d2.json);
    expect((await admin('get', { pk: 'h1' })).json.object.title).toBe('HIDDEN-H1');
    expect(seen(b)).not.toContain('HIDDEN');
  }, 60_000);
});
