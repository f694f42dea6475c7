import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseSchema, type ObjectSchemaInput } from '../../model/index.ts';
import { encodeMessage } from '../../protocol/index.ts';
import type { ClientFileRow } from '../store/types.ts';
import { MemoryStore } from '../store/memory.ts';
import { startSyncTestServer, type SyncTestServer } from '../testing/sync-server.ts';
import { ProtocolClient, type ClientSocket } from '../testing/protocol-client.ts';

/*
 * A reconnect racing an upload of the connection it replaces (found by `npm run fuzz:server --
 * --seed 31400402` before group commit changed that seed's schedule). The old session
 * integrated an upload that created an object (it joined the client's view, and the file's
 * `plannedVersion` moved) after the new session's IDENT had read the client file but before
 * IDENT's transaction. IDENT worked out the view from the file as read before: it dropped the
 * logged join, so the new session held the object outside the client's view and refused the
 * client's next writes to it (write_outside_view, without a revert): the client kept them and
 * the server never had them.
 */

const schemaInput: ObjectSchemaInput[] = [{ name: 'Task', primaryKey: '_id', properties: { _id: 'string', title: 'string', items: 'string[]' } }];
const schema = parseSchema(schemaInput);
const everything = [{ objectType: 'Task', query: 'TRUEPREDICATE', args: [] }];

/** A memory store that can hold the n-th read of a client file outside a transaction. */
class HeldReadStore extends MemoryStore {
  private hold: { remaining: number; reached: () => void; release: Promise<void> } | undefined;

  /** Holds the n-th following `getClientFile` (after it read the row); resolves when it is held. */
  holdRead(n: number, release: Promise<void>): Promise<void> {
    return new Promise((reached) => (this.hold = { remaining: n, reached, release }));
  }

  override async getClientFile(ident: number): Promise<ClientFileRow | undefined> {
    const row = await super.getClientFile(ident);
    const hold = this.hold;
    if (hold && --hold.remaining === 0) {
      this.hold = undefined;
      hold.reached();
      await hold.release;
    }
    return row;
  }
}

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
  await c.subscribe(everything);
  return c;
}

describe('IDENT of a new connection while the replaced one integrates an upload', () => {
  it('keeps the object the upload created in the view: the next writes to it are integrated', async () => {
    const store = new HeldReadStore();
    server = await startSyncTestServer({ schema: schemaInput, store });
    const ana = await client('ana');
    const ident = ana.fileIdent!;
    const oldSocket = (ana as unknown as { ws: ClientSocket }).ws;

    // The new connection: BIND reads the client file, then IDENT reads it (held there).
    let release!: () => void;
    const held = store.holdRead(2, new Promise<void>((r) => (release = r)));
    await ana.open();
    await held;

    // Meanwhile the old connection's upload creates t1 (it is still the file's session).
    ana.write([
      { op: 'CreateObject', type: 'Task', pk: 't1' },
      { op: 'Set', type: 'Task', pk: 't1', path: ['title'], value: 'first' },
    ]);
    const created = ana.local[0]!;
    oldSocket.send(encodeMessage({ t: 'UPLOAD', changesets: [{ clientVersion: created.clientVersion, base: ana.cursor.serverVersion, changeset: created.changeset }] }));
    await vi.waitFor(async () => {
      const file = await store.transaction((tx) => tx.getClientFile(ident));
      expect(file!.lastIntegrated).toBe(created.clientVersion);
    });
    release();

    // A write to t1 through the new connection.
    ana.write([{ op: 'ListInsert', type: 'Task', pk: 't1', path: ['items', 0], value: 'x' }]);
    await ana.sync();
    expect(ana.local).toEqual([]);
    expect(ana.errors.map((e) => `${e.code}: ${e.message}`)).toEqual([]);

    const ben = await client('ben');
    await ben.sync();
    expect(ben.state.get('Task', 't1')).toEqual({ _id: 't1', title: 'first', items: ['x'] });
    expect(ana.state.get('Task', 't1')).toEqual(ben.state.get('Task', 't1'));
  });
});
