import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgedNow, checkerToken, checkWrites, converge, report, serverCopy, size, Writer } from '../testing/faults.ts';
import { TcpProxy } from '../testing/tcp-proxy.ts';
import { baseConfig, startServerProcess, type ServerProcess } from '../testing/server-process.ts';
import { dropSchema, PG_TEST, uniqueSchema } from '../testing/shared-postgres.ts';

/*
 * Fault: a partition between a server node and PostgreSQL. The node reaches the database through
 * a fault-injecting TCP proxy (its pool and its LISTEN connection both); clients reach the node
 * directly and keep writing. While the database is out of reach the node must stay up and its
 * sessions must fail rather than hang (the store's query timeout, here 2 s so that a partition can
 * outlast it); when the partition heals, every upload queue drains and every replica equals the
 * server's data within 10 s, with no acknowledged write lost or duplicated.
 */

const LIVENESS_MS = 10_000;
const PARTITION_MS = size(1_500, 5_000);
const QUERY_TIMEOUT_MS = 2_000;

const schema = uniqueSchema('outpost_pgpart');
let server: ServerProcess;
let proxy: TcpProxy;
let writers: Writer[];
let checker: string;

beforeAll(async () => {
  proxy = await TcpProxy.start({ host: PG_TEST.host, port: PG_TEST.port });
  const store = `postgres://${PG_TEST.user}@${proxy.url}/${PG_TEST.database}`;
  server = await startServerProcess(baseConfig(store, { postgres: { schema, queryTimeoutMs: QUERY_TIMEOUT_MS, connectTimeoutMs: 2_000 } }));
  checker = await checkerToken(server.url);
  writers = [await Writer.open('pgp-a', server.url, server.wsUrl), await Writer.open('pgp-b', server.url, server.wsUrl)];
}, 120_000);

afterAll(async () => {
  for (const w of writers ?? []) w.close();
  await server?.stop();
  await proxy?.close();
  await dropSchema(schema);
});

// `failsFast`: the partition outlasts the query timeout, so sessions must end with a retryable
// error while it lasts (their clients reconnect) instead of hanging until it heals.
const faults: { name: string; ms: number; failsFast?: boolean; apply: () => void }[] = [
  { name: 'stall both ways (heals before TCP gives up)', ms: PARTITION_MS, apply: () => proxy.set({ kind: 'stall' }) },
  { name: 'black hole (bytes dropped; cut on heal)', ms: PARTITION_MS, apply: () => proxy.set({ kind: 'drop' }) },
  { name: 'stall longer than the query timeout', ms: QUERY_TIMEOUT_MS * 2, failsFast: true, apply: () => proxy.set({ kind: 'stall' }) },
  { name: 'black hole longer than the query timeout', ms: QUERY_TIMEOUT_MS * 2, failsFast: true, apply: () => proxy.set({ kind: 'drop' }) },
  { name: 'connections cut, reconnects refused', ms: PARTITION_MS, apply: () => proxy.set({ kind: 'refuse' }) },
  { name: '50 ms delay on every chunk', ms: PARTITION_MS, apply: () => proxy.set({ kind: 'pass', delayMs: 50 }) },
];

describe('fault: partition between a server node and PostgreSQL', () => {
  for (const fault of faults) {
    it(`${fault.name}: the node stays up; queues drain and replicas converge within 10 s of healing`, async () => {
      for (const w of writers) w.start(25);
      await new Promise((r) => setTimeout(r, 300));
      const reconnectsBefore = writers.reduce((n, w) => n + w.reconnects, 0);
      fault.apply();
      await new Promise((r) => setTimeout(r, fault.ms));
      const failedDuring = writers.reduce((n, w) => n + w.reconnects, 0) - reconnectsBefore;
      const acked = acknowledgedNow(writers);
      for (const w of writers) w.stopWriting();
      proxy.set({ kind: 'pass' });
      expect(server.child.exitCode, server.output().slice(-4000)).toBeNull();
      const tookMs = await converge(writers, server.wsUrl, checker, LIVENESS_MS).catch((err: Error) => {
        throw new Error(`${err.message}\nwriters: ${JSON.stringify(writers.map((w) => w.describe()))}\nserver log:\n${server.output().slice(-4000)}`);
      });
      const result = checkWrites(await serverCopy(server.wsUrl, checker), writers, acked, true);
      report('partition node-postgres', {
        fault: fault.name,
        partitionMs: fault.ms,
        written: writers.map((w) => w.written),
        reconnects: writers.map((w) => w.reconnects),
        sessionsFailedDuring: failedDuring,
        convergedMs: tookMs,
        ...result,
        proxyCuts: proxy.stats.cuts,
      });
      expect(result).toEqual({ lost: 0, duplicated: 0, torn: 0 });
      expect(tookMs).toBeLessThanOrEqual(LIVENESS_MS);
      if (fault.failsFast) expect(failedDuring, 'sessions hung through the partition instead of failing').toBeGreaterThan(0);
      // The database being out of reach is no reason to refuse a client's token (a 401 sends a
      // client to refresh it or log in again): the upgrade is refused with a 503 instead.
      for (const w of writers) expect((w.describe().closes as string[]).filter((c) => c.includes('HTTP 401')), w.tag).toEqual([]);
    }, 60_000);
  }
});
