/**
 * The child process of crash.test.ts: appends changesets in a loop, each transaction appending one
 * history row and incrementing one counter object (plus a payload object), and prints
 * `ack <version>` once the transaction returned. The parent kills it with SIGKILL mid-stream.
 *
 *   node --import tsx store-crash-child.ts sqlite <dir>
 *   node --import tsx store-crash-child.ts postgres <schema>
 */
import { validateObject } from '../../model/index.ts';
import { contractSchema, keyOf, richChangeset, richTask } from './store-contract/fixtures.ts';
import { PostgresStore } from '../store/postgres.ts';
import { PG_TEST } from './shared-postgres.ts';
import { SqliteStore } from '../store/sqlite.ts';
import type { ServerStore } from '../store/types.ts';

const [kind, where] = process.argv.slice(2);
const store: ServerStore =
  kind === 'sqlite' ? SqliteStore.open({ dir: where! }) : await PostgresStore.open({ connection: { ...PG_TEST }, schema: where!, poolSize: 2, onError: () => {} });

process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const version = await store.transaction(async (tx) => {
    const v = await tx.appendHistory({ origin: 2, originVersion: i + 1, privateTo: null, changeset: richChangeset(2, i) });
    const found = await tx.getObjects([{ type: 'Counter', pk: 1 }]);
    const n = (found.get(keyOf('Counter', 1))?.n as number | undefined) ?? 0;
    const task = richTask();
    await tx.putObjects([
      { type: 'Task', pk: task._id as never, record: task },
      { type: 'Counter', pk: 1, record: validateObject(contractSchema, 'Counter', { _id: 1, n: n + 1 }) },
    ]);
    return v;
  });
  process.stdout.write(`ack ${version}\n`);
}
