import { performance } from 'node:perf_hooks';
import { parseSchema } from '../../src/model/index.ts';
import { ProtocolClient } from '../../src/server/testing/protocol-client.ts';
import { schema, WORK_ORDER } from './data.ts';

/*
 * Initial sync into the protocol-level client (src/server/testing/protocol-client.ts) in Node: the same
 * server work and wire traffic as a browser client's, but the client keeps its objects in memory
 * (no IndexedDB, no worker). Used for the scale curve up to 1,000,000 objects, which a browser
 * client cannot hold (see docs/benchmarks.md). Timed from opening the socket to the MARK that
 * follows the bootstrap, like `waitForDownload` in the browser.
 */
export async function nodeInitialSync(wsUrl: string, token: string, expected: number): Promise<number> {
  const client = new ProtocolClient({ url: wsUrl, token, schema: parseSchema(schema) });
  const t0 = performance.now();
  try {
    await client.connect();
    const version = client.requestSubscriptions([{ objectType: WORK_ORDER, query: 'TRUEPREDICATE', args: [] }]);
    // Its subscribe() gives up after 15 s; a million objects take longer.
    await client.until(() => client.queryVersionComplete >= version || client.closedWith !== undefined, 3_600_000);
    if (client.closedWith) throw new Error(`the server closed the session: ${JSON.stringify(client.closedWith)} ${JSON.stringify(client.errors)}`);
    await client.sync();
    const ms = performance.now() - t0;
    const count = client.state.count(WORK_ORDER);
    if (count !== expected) throw new Error(`node initial sync holds ${count} objects, expected ${expected}`);
    return ms;
  } finally {
    client.disconnect();
  }
}
