import { Random } from '../../sim/random.ts';
import { Workload, fuzzSchema } from '../../sim/workload.ts';
import { compileQuery } from '../../query/index.ts';
import { canonicalJson } from '../../model/index.ts';
import { MemoryStore } from '../store/memory.ts';
import { SyncEngine } from '../sync/engine.ts';
import { testAuth } from './sync-server.ts';
import { Loopback } from './loopback.ts';
import { ProtocolClient } from './protocol-client.ts';

/*
 * The convergence fuzzer against the real sync engine and sessions, deterministic: protocol
 * clients connected through the loopback, random writes (every instruction kind), random
 * disconnects and reconnects, messages delivered in a seeded order. At the end every client
 * equals every other and the server's materialized objects. `npm run fuzz:server -- --seed S`
 * replays one seed.
 */

const everything = [
  { objectType: 'Task', query: 'TRUEPREDICATE', args: [] },
  { objectType: 'Note', query: 'TRUEPREDICATE', args: [] },
];

const everythingQuery = (type: string) => compileQuery(fuzzSchema, type, 'TRUEPREDICATE');

export interface LoopbackResult {
  readonly seed: number;
  readonly problems: string[];
}

export async function runLoopbackScenario(seed: number, steps = 150, sharedKeys = true): Promise<LoopbackResult> {
  const rng = new Random(seed);
  // Deterministic clocks (skewed by up to a minute either way) make a seed replay exactly.
  let time = Date.UTC(2026, 5, 1);
  const store = new MemoryStore();
  const engine = await SyncEngine.open({ store, schema: fuzzSchema.toJSON(), now: () => time, rules: { defaultRoles: [{ name: 'everyone', applyWhen: true, read: true, write: true }] } });
  const loop = new Loopback(engine, testAuth());
  const problems: string[] = [];
  try {
    const n = 2 + rng.int(4);
    const clients: ProtocolClient[] = [];
    const workloads: Workload[] = [];
    for (let i = 0; i < n; i++) {
      const skew = Math.round((rng.next() * 2 - 1) * 60_000);
      const c = new ProtocolClient({ schema: fuzzSchema, socket: () => loop.connect('u' + i), now: () => time + skew });
      await c.open();
      c.requestSubscriptions(everything);
      clients.push(c);
      workloads.push(new Workload(rng, 'c' + i, sharedKeys));
    }
    for (let step = 0; step < steps; step++) {
      time += rng.int(1500);
      const i = rng.int(n);
      const c = clients[i]!;
      const roll = rng.int(100);
      if (roll < 45) c.write(workloads[i]!.transaction(c.state.clone()).map((g) => g.instruction));
      else if (roll < 52) c.disconnect();
      else if (roll < 62) {
        if (!c.connected) await c.open();
      } else {
        for (let k = rng.int(6); k > 0; k--) loop.deliverOne(rng);
        if (rng.bool(0.5)) await loop.settle();
      }
    }
    for (const c of clients) if (!c.connected) await c.open();
    await loop.drain(rng);
    // A second round: acknowledgements of the last uploads, and what they caused.
    for (const c of clients) c.uploadPending();
    await loop.drain(rng);

    const server = new Map<string, unknown>();
    for (const type of ['Task', 'Note']) {
      for (const row of await store.queryObjects(type, { subscriptions: [everythingQuery(type)], readFilter: null }, { limit: 100_000 })) {
        server.set(`${type}:${row.pk}`, canonicalJson(row.record));
      }
    }
    const serverCanon = JSON.stringify([...server.entries()].sort());
    for (const [i, c] of clients.entries()) {
      const bad = c.errors.filter((e) => e.action !== 'none');
      if (bad.length) problems.push(`client ${i}: errors ${JSON.stringify(bad.map((e) => `${e.code}: ${e.message}`))}`);
      if (c.local.length) problems.push(`client ${i}: ${c.local.length} changesets never acknowledged`);
      const mine = new Map<string, unknown>();
      for (const [type, objs] of Object.entries(c.state.toCanonical())) for (const [k, v] of Object.entries(objs)) mine.set(`${type}:${k}`, v);
      const canon = JSON.stringify([...mine.entries()].sort());
      if (canon !== serverCanon) {
        const keys = new Set([...mine.keys(), ...server.keys()]);
        for (const k of keys) {
          if (JSON.stringify(mine.get(k)) !== JSON.stringify(server.get(k))) {
            problems.push(`client ${i} (file ${c.fileIdent}) ${k}:\n    client ${JSON.stringify(mine.get(k))}\n    server ${JSON.stringify(server.get(k))}`);
          }
        }
      }
    }
  } catch (err) {
    problems.push(`error: ${(err as Error).stack ?? String(err)}`);
  } finally {
    engine.close();
  }
  return { seed, problems };
}
