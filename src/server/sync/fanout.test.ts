import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Instruction } from '../../changeset/index.ts';
import { parseSchema, type ObjectSchemaInput } from '../../model/index.ts';
import { encodeMessage, WS_SUBPROTOCOL, type ServerMessage } from '../../protocol/index.ts';
import type { Download } from '../../protocol/index.ts';
import { decodeServerFrame, SharedFrames, type Frame } from './frames.ts';
import { startSyncTestServer, type SyncTestServer } from '../testing/sync-server.ts';
import { ProtocolClient } from '../testing/protocol-client.ts';

/*
 * Fan-out shares one encoded (and compressed) DOWNLOAD among the sessions that need the same
 * bytes (fanout.ts, frames.ts); a session whose role cuts something out of it gets its own.
 */

const noteSchema: ObjectSchemaInput[] = [
  { name: 'Note', primaryKey: '_id', properties: { _id: 'string', grp: 'string', title: 'string', secret: 'string?', body: 'string?' } },
];
const schema = parseSchema(noteSchema);
const all = [{ objectType: 'Note', query: 'TRUEPREDICATE', args: [] }];
// carl sees (and writes) public notes only, and never `secret`; everyone else sees everything.
const rules = {
  defaultRoles: [
    { name: 'restricted', applyWhen: "id == 'carl'", read: "grp == 'public'", write: "grp == 'public'", fields: { secret: { read: false } } },
    { name: 'everyone', applyWhen: true, read: true, write: true },
  ],
};

let server: SyncTestServer | undefined;
const clients: ProtocolClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await server?.close();
  server = undefined;
});

async function client(userId: string): Promise<ProtocolClient> {
  const c = new ProtocolClient({ url: server!.url, token: server!.token(userId), schema });
  clients.push(c);
  await c.connect();
  await c.subscribe(all);
  return c;
}

const set = (pk: string, field: string, value: string): Instruction => ({ op: 'Set', type: 'Note', pk, path: [field], value });

/** Every frame the server sends from now on, with the message it carries. */
function recordFrames(s: SyncTestServer): { m: ServerMessage; frame: Frame }[] {
  const sent: { m: ServerMessage; frame: Frame }[] = [];
  const frames = s.engine.frames;
  const original = frames.frame.bind(frames);
  frames.frame = (m) => {
    const frame = original(m);
    sent.push({ m, frame });
    return frame;
  };
  return sent;
}

const text = (f: Frame) => (typeof f === 'string' ? f : decodeServerFrame(f, true));

describe('fan-out', () => {
  it('sends one encoding to the sessions that need the same bytes, and its own to a session whose role cuts a field and an object', async () => {
    server = await startSyncTestServer({ schema: noteSchema, rules, queryable: { global: ['grp'] } });
    const ana = await client('ana');
    const readers = [await client('ben'), await client('dan'), await client('eve')];
    const carl = await client('carl');
    ana.write([{ op: 'CreateObject', type: 'Note', pk: 'pub' }, set('pub', 'grp', 'public'), set('pub', 'title', 't0'), set('pub', 'secret', 's0')]);
    ana.write([{ op: 'CreateObject', type: 'Note', pk: 'priv' }, set('priv', 'grp', 'staff'), set('priv', 'title', 'p0')]);
    await ana.sync();
    for (const c of [...readers, carl]) await c.sync();
    expect(carl.state.get('Note', 'pub')?.title).toBe('t0');
    expect(carl.state.get('Note', 'priv')).toBeUndefined();

    const sent = recordFrames(server);
    // One changeset: a visible field, the hidden field, and an object carl does not see.
    ana.write([set('pub', 'title', 't1'), set('pub', 'secret', 's1'), set('priv', 'title', 'p1')]);
    await ana.sync();
    for (const c of [...readers, carl]) await c.sync();

    for (const r of readers) {
      expect(r.state.get('Note', 'pub')).toMatchObject({ title: 't1', secret: 's1' });
      expect(r.state.get('Note', 'priv')).toMatchObject({ title: 'p1' });
    }
    expect(carl.state.get('Note', 'pub')?.title).toBe('t1');
    expect(carl.state.get('Note', 'pub')?.secret ?? null).toBeNull();
    expect(carl.state.get('Note', 'priv')).toBeUndefined();
    expect(carl.received.some((t) => t.includes('s1') || t.includes('p1'))).toBe(false);

    const carrying = sent.filter((s) => s.m.t === 'DOWNLOAD' && s.m.items.length > 0);
    const full = carrying.filter((s) => text(s.frame).includes('"p1"'));
    const cut = carrying.filter((s) => !text(s.frame).includes('"p1"'));
    // The three readers got one and the same frame; carl one of its own, without what it may not see.
    expect(full).toHaveLength(3);
    expect(new Set(full.map((s) => s.frame)).size).toBe(1);
    expect(cut).toHaveLength(1);
    expect(text(cut[0]!.frame)).toContain('"t1"');
    expect(text(cut[0]!.frame)).not.toContain('s1');
  });

  it('compresses a large message once into a binary frame that every receiver inflates', async () => {
    server = await startSyncTestServer({ schema: noteSchema, rules, queryable: { global: ['grp'] } });
    const ana = await client('ana');
    const readers = [await client('ben'), await client('dan')];
    ana.write([{ op: 'CreateObject', type: 'Note', pk: 'n' }, set('n', 'grp', 'public')]);
    await ana.sync();
    for (const r of readers) await r.sync();
    const sent = recordFrames(server);
    const body = 'lorem ipsum '.repeat(1000);
    ana.write([set('n', 'body', body)]);
    await ana.sync();
    for (const r of readers) {
      await r.sync();
      expect(r.state.get('Note', 'n')?.body).toBe(body);
    }
    const big = sent.filter((s) => s.m.t === 'DOWNLOAD' && s.m.items.length > 0);
    expect(big).toHaveLength(2);
    expect(Buffer.isBuffer(big[0]!.frame)).toBe(true);
    expect(big[0]!.frame).toBe(big[1]!.frame);
    expect((big[0]!.frame as Buffer).length).toBeLessThan(body.length / 10);
  });

  it('refuses a client of protocol version 1 (it expects text frames only) with a typed error', async () => {
    server = await startSyncTestServer({ schema: noteSchema, rules });
    const ws = new WebSocket(server.url, [WS_SUBPROTOCOL], { headers: { Authorization: `Bearer ${server.token('ana')}` } });
    const got = new Promise<{ m: Record<string, unknown>; code: number }>((resolve) => {
      let m: Record<string, unknown> = {};
      ws.on('message', (d: Buffer, isBinary: boolean) => (m = JSON.parse(decodeServerFrame(d, isBinary)) as Record<string, unknown>));
      ws.on('close', (code) => resolve({ m, code }));
    });
    await new Promise((r) => ws.once('open', r));
    ws.send(encodeMessage({ t: 'BIND', protocolVersion: 1, fileIdent: null, salt: null }));
    const { m, code } = await got;
    expect(m).toMatchObject({ t: 'ERROR', code: 'protocol_version', action: 'fatal' });
    expect(String(m.message)).toMatch(/protocol version 1 is not supported/);
    expect(code).toBe(4000);
  });

  it('reuses a shared frame for at most a second, and not for a download cut for its session', () => {
    let now = 0;
    const frames = new SharedFrames(256, 1000, 16 * 1024 * 1024, () => now);
    const changeset = { origin: 2, timestamp: 4096, instructions: [] };
    const download = (json: string | undefined): Download =>
      ({
        t: 'DOWNLOAD',
        queryVersion: 1,
        cursor: { serverVersion: 5, clientVersion: 0 },
        versionSalt: 'abc',
        latestServerVersion: 5,
        items: [{ kind: 'changeset', serverVersion: 5, clientVersion: 0, changeset, ...(json !== undefined ? { json } : {}) }],
        batch: 'last',
        serverTime: 0,
      }) as Download;
    const json = '{"origin":2,"ts":4096,"ops":[]}';
    const first = frames.download(download(json));
    now = 900;
    expect(frames.download(download(json))).toBe(first);
    expect(frames.hits).toBe(1);
    now = 1901;
    expect(text(frames.download(download(json)))).toContain('"serverTime":1901');
    expect(frames.hits).toBe(1);
    // An item without the row's JSON was cut for its session: its bytes are its own.
    frames.download(download(undefined));
    frames.download(download(undefined));
    expect(frames.hits).toBe(1);
  });
});
