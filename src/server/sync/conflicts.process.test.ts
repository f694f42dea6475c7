import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instruction } from '../../changeset/index.ts';
import { parseSchema, type ObjectSchemaInput } from '../../model/index.ts';
import type { ConflictEntry } from '../../protocol/index.ts';
import { ADMIN_KEY, api, baseConfig, startServerProcess, user, type ServerProcess } from '../testing/server-process.ts';
import { ProtocolClient } from '../testing/protocol-client.ts';

/*
 * The conflict journal through a real server process: which decisions a user hears of over the
 * sync protocol (CONFLICTS), with what in them, and what never reaches it.
 */

const noteSchema: ObjectSchemaInput[] = [
  { name: 'Note', primaryKey: '_id', properties: { _id: 'string', owner: 'string', grp: 'string', title: 'string', body: 'string', secret: 'string?' } },
];
const schema = parseSchema(noteSchema);

// Public notes and your own are readable and writable; `secret` is hidden from everyone.
const role = {
  name: 'member',
  applyWhen: true,
  read: "grp == 'public' OR owner == %%user.id",
  write: "grp == 'public' OR owner == %%user.id",
  fields: { secret: { read: false } },
};

let server: ServerProcess;
let ana: { userId: string; accessToken: string };
let ben: { userId: string; accessToken: string };
const opened: ProtocolClient[] = [];
const all = [{ objectType: 'Note', query: 'TRUEPREDICATE', args: [] }];

function open(token: string, protocolVersion?: number): ProtocolClient {
  const c = new ProtocolClient({ url: server.wsUrl, token, schema, ...(protocolVersion !== undefined ? { protocolVersion } : {}) });
  opened.push(c);
  return c;
}

function set(id: string, fields: Record<string, string>): Instruction[] {
  return Object.entries(fields).map(([k, v]): Instruction => ({ op: 'Set', type: 'Note', pk: id, path: [k], value: v }));
}

const insert = (object: Record<string, string>) => api(server.url, 'POST', '/api/data/Note/insert', { object }, ADMIN_KEY);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const entries = (c: ProtocolClient): ConflictEntry[] => [...c.conflicts.values()];
/** Every CONFLICTS frame the client got, as text. */
const conflictFrames = (c: ProtocolClient) => c.received.filter((t) => t.startsWith('{"t":"CONFLICTS"')).join('\n');

async function online(token: string): Promise<ProtocolClient> {
  const c = open(token);
  await c.connect();
  await c.subscribe(all);
  return c;
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-conflicts-'));
  server = await startServerProcess(
    baseConfig(dir, { schema: noteSchema, queryableFields: { global: ['owner', 'grp'] }, roles: { byType: { Note: [role] }, default: [] } }),
  );
  ana = await user(server.url, 'ana@example.com');
  ben = await user(server.url, 'ben@example.com');
}, 120_000);

afterAll(async () => {
  for (const c of opened) c.disconnect();
  await server?.stop();
});

describe('the conflict journal over the sync protocol', () => {
  it('tells the loser of a Set replaced by a later concurrent Set who replaced what, and no one else', async () => {
    expect((await insert({ _id: 'n1', owner: ana.userId, grp: 'public', title: 'start', body: '' })).status).toBe(201);
    const a = await online(ana.accessToken);
    const b = await online(ben.accessToken);
    a.disconnect();
    a.write(set('n1', { title: 'ana offline' })); // earlier
    await sleep(20);
    b.write(set('n1', { title: 'ben online' })); // later: wins
    await b.sync();
    await a.connect();
    await a.sync();
    await a.until(() => entries(a).some((e) => e.pk === 'n1'));
    expect(a.state.get('Note', 'n1')?.title).toBe('ben online');
    const e = entries(a).find((x) => x.pk === 'n1')!;
    expect(e).toMatchObject({
      kind: 'overwritten',
      type: 'Note',
      path: ['title'],
      loser: { origin: a.fileIdent, userId: ana.userId },
      winner: { origin: b.fileIdent, userId: ben.userId },
      lost: { value: 'ana offline' },
      won: { value: 'ben online' },
    });
    expect(e.winner.version).toBeGreaterThan(0);
    expect(e.loser.clientVersion).toBeGreaterThan(0);
    expect(e.loser.version).toBeGreaterThan(e.winner.version!);
    await b.sync();
    expect(entries(b)).toEqual([]);
  });

  it('tells the writer of an earlier concurrent Set, live, when a later upload replaces it', async () => {
    expect((await insert({ _id: 'n2', owner: ana.userId, grp: 'public', title: 'start', body: '' })).status).toBe(201);
    const a = await online(ana.accessToken);
    const b = await online(ben.accessToken);
    b.disconnect();
    a.write(set('n2', { title: 'ana first' }));
    await a.sync();
    await sleep(20);
    b.write(set('n2', { title: 'ben later, offline' }));
    await b.connect();
    await b.sync();
    // Ana is connected throughout: the entry reaches her as it is recorded.
    await a.until(() => entries(a).some((e) => e.pk === 'n2'));
    expect(entries(a).find((e) => e.pk === 'n2')).toMatchObject({
      kind: 'overwritten',
      path: ['title'],
      loser: { origin: a.fileIdent, userId: ana.userId },
      winner: { origin: b.fileIdent, userId: ben.userId },
      lost: { value: 'ana first' },
      won: { value: 'ben later, offline' },
    });
    expect(entries(b).some((e) => e.pk === 'n2')).toBe(false);
  });

  it('journals an update erased by a concurrent delete, and a reverted write with the text it lost', async () => {
    expect((await insert({ _id: 'n3', owner: ben.userId, grp: 'public', title: 'to go', body: '' })).status).toBe(201);
    expect((await insert({ _id: 'n4', owner: ben.userId, grp: 'public', title: 'shared', body: '' })).status).toBe(201);
    const a = await online(ana.accessToken);
    const b = await online(ben.accessToken);
    a.disconnect();
    a.write(set('n3', { body: 'notes on n3' }));
    // Making Ben's note private would put it beyond Ana's write rule: refused, with the note.
    a.write(set('n4', { grp: 'private', body: 'a long note written offline' }));
    b.write([{ op: 'EraseObject', type: 'Note', pk: 'n3' }]);
    await b.sync();
    await a.connect();
    await a.sync();
    await a.until(() => entries(a).some((e) => e.pk === 'n3') && entries(a).filter((e) => e.pk === 'n4').length === 2);
    expect(entries(a).find((e) => e.pk === 'n3')).toMatchObject({
      kind: 'erased',
      path: ['body'],
      loser: { userId: ana.userId },
      winner: { origin: b.fileIdent, userId: ben.userId },
      lost: { value: 'notes on n3' },
    });
    expect(entries(a).find((e) => e.pk === 'n3')!.won).toBeUndefined();
    const reverted = entries(a).filter((e) => e.pk === 'n4');
    expect(reverted.map((e) => e.path[0]).sort()).toEqual(['body', 'grp']);
    expect(reverted.find((e) => e.path[0] === 'body')).toMatchObject({
      kind: 'reverted',
      loser: { origin: a.fileIdent, userId: ana.userId },
      winner: { origin: 1, userId: null },
      lost: { value: 'a long note written offline' },
      won: { value: '' },
    });
    expect(reverted[0]!.reason).toMatch(/^permission_denied: /);
    expect(a.state.get('Note', 'n4')?.body).toBe('');
  });

  it('never sends a conflict on a field or object the loser may not read', async () => {
    expect((await insert({ _id: 'n5', owner: ana.userId, grp: 'public', title: 'mine', body: '' })).status).toBe(201);
    expect((await insert({ _id: 'n6', owner: ana.userId, grp: 'public', title: 'ours', body: '' })).status).toBe(201);
    const a = await online(ana.accessToken);
    const b = await online(ben.accessToken);
    // A hidden field: the write is refused (and journaled), the journal entry never reaches her.
    a.write(set('n5', { secret: 'SECRET-BY-ANA' }));
    await a.sync();
    await a.until(() => a.errors.some((e) => e.code === 'compensating_write' && e.compensatingWrites?.some((w) => w.pk === 'n5')));
    // An object that is out of her reach by the time she reads the list.
    a.disconnect();
    a.write(set('n6', { title: 'TITLE-BY-ANA' }));
    await sleep(20);
    b.write(set('n6', { title: 'ben wins' }));
    await b.sync();
    await a.connect();
    await a.sync();
    await a.until(() => entries(a).some((e) => e.pk === 'n6')); // readable now: she hears of it
    b.write(set('n6', { owner: ben.userId, grp: 'private' }));
    await b.sync();
    a.disconnect();
    await a.connect();
    await a.until(() => a.received.filter((t) => t.startsWith('{"t":"CONFLICTS","replace":true')).length >= 3);
    await a.sync();
    // Both were journaled: the administrator sees them.
    const journal = await api(server.url, 'GET', `/api/admin/conflicts?loser=${ana.userId}`, undefined, ADMIN_KEY);
    expect(journal.status).toBe(200);
    const mine = journal.json.conflicts as { pk: string; kind: string; path: string[]; lost?: { value: string } }[];
    expect(mine.find((c) => c.pk === 'n5')).toMatchObject({ kind: 'reverted', path: ['secret'], lost: { value: 'SECRET-BY-ANA' } });
    expect(mine.find((c) => c.pk === 'n6')).toMatchObject({ kind: 'overwritten', path: ['title'], lost: { value: 'TITLE-BY-ANA' } });
    expect((await api(server.url, 'GET', '/api/admin/conflicts')).status).toBe(401);
    expect(conflictFrames(a)).not.toContain('SECRET-BY-ANA');
    const lastList = a.received.filter((t) => t.startsWith('{"t":"CONFLICTS","replace":true')).at(-1)!;
    expect(lastList).not.toContain('TITLE-BY-ANA');
    expect(entries(a).some((e) => e.pk === 'n5' || e.pk === 'n6')).toBe(false);
  });

  it('stops sending the entries the loser dismissed, on every device; a version 1 client is refused and gets none', async () => {
    const a = await online(ana.accessToken);
    await a.until(() => entries(a).length >= 3);
    const first = entries(a).find((e) => e.pk === 'n1')!;
    a.send({ t: 'CONFLICT_DISMISS', ids: [first.id] });
    await a.sync();
    const other = await online(ana.accessToken); // another device of hers
    await other.until(() => other.received.some((t) => t.startsWith('{"t":"CONFLICTS","replace":true')));
    expect(entries(other).map((e) => e.id)).not.toContain(first.id);
    expect(entries(other).some((e) => e.pk === 'n2')).toBe(true);
    // Ben cannot dismiss Ana's entries.
    const b = await online(ben.accessToken);
    const second = entries(a).find((e) => e.pk === 'n2')!;
    b.send({ t: 'CONFLICT_DISMISS', ids: [second.id] });
    await b.sync();
    const third = await online(ana.accessToken);
    await third.until(() => entries(third).some((e) => e.id === second.id));

    // Protocol 1 (text frames only, no CONFLICTS) is refused since protocol 2 (version.ts).
    const old = open(ana.accessToken, 1);
    await old.connect().catch(() => {});
    expect(old.errors.map((e) => e.code)).toContain('protocol_version');
    expect(conflictFrames(old)).toBe('');
  });
});
