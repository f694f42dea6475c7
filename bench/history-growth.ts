import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSchema } from '../src/model/index.ts';
import { Random } from '../src/sim/random.ts';
import { SqliteStore } from '../src/server/store/sqlite.ts';
import { SyncEngine } from '../src/server/sync/engine.ts';
import { testAuth } from '../src/server/testing/sync-server.ts';
import { Loopback } from '../src/server/testing/loopback.ts';
import { ProtocolClient } from '../src/server/testing/protocol-client.ts';
import { createInstructions, schema, WORK_ORDER, workOrders } from './lib/data.ts';

/*
 * How much the shared history grows when fresh devices bootstrap (docs/benchmarks.md, "History
 * growth"): one server engine on SQLite with `--objects` work orders, then `--devices` fresh
 * protocol-level clients, one after the other, each subscribing to all of them and waiting for
 * the whole bootstrap. Prints the rows the history grew by, per device, and what those rows hold
 * (instructions, and bytes of their changesets as stored). A count, not a time: it does not
 * depend on the machine's load.
 * Run: npx tsx bench/history-growth.ts [--objects 10000] [--devices 100]
 */

const flag = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const objects = flag('--objects', 10_000);
const devices = flag('--devices', 100);

const dir = mkdtempSync(join(tmpdir(), 'outpost-history-'));
const store = SqliteStore.open({ dir });
try {
  const engine = await SyncEngine.open({ store, schema, rules: { defaultRoles: [{ name: 'everyone', applyWhen: true, read: true, write: true }] } });
  for (let i = 0; i < objects; i += 5_000) await engine.serverWrite(workOrders(i, Math.min(objects, i + 5_000)).flatMap(createInstructions));
  const loop = new Loopback(engine, testAuth());
  const rng = new Random(1);
  const pump = setInterval(() => {
    for (let i = 0; i < 500 && loop.deliverOne(rng); i++);
  }, 1);
  const before = await store.latestVersion();
  const started = performance.now();
  try {
    for (let d = 0; d < devices; d++) {
      const c = new ProtocolClient({ schema: parseSchema(schema), socket: () => loop.connect('device' + d) });
      await c.connect();
      await c.subscribe([{ objectType: WORK_ORDER, query: 'TRUEPREDICATE', args: [] }]);
      const got = [...c.state.objects(WORK_ORDER)].length;
      if (got !== objects) throw new Error(`device ${d} has ${got} objects of ${objects}`);
      c.disconnect();
    }
  } finally {
    clearInterval(pump);
  }
  const after = await store.latestVersion();
  const rows = await store.history(before, after);
  const instructions = rows.reduce((n, r) => n + r.changeset.instructions.length, 0);
  const bytes = rows.reduce((n, r) => n + JSON.stringify(r.changeset, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).length, 0);
  console.log(
    JSON.stringify({
      objects,
      devices,
      historyBefore: before,
      historyAfter: after,
      rowsPerDevice: (after - before) / devices,
      instructionsAppended: instructions,
      changesetBytesAppended: bytes,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    }),
  );
  engine.close();
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
