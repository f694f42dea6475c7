import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgedNow, checkerToken, checkWrites, converge, FULL, report, serverCopy, size, Writer } from '../testing/faults.ts';
import { TcpProxy, type ProxyMode } from '../testing/tcp-proxy.ts';
import { baseConfig, startServerProcess, type ServerProcess } from '../testing/server-process.ts';

/*
 * Fault: a partition between clients and the server. Two writers reach the real server process
 * through a fault-injecting TCP proxy, a third directly. All three keep writing through each
 * fault; when it heals, every upload queue must drain and every replica must equal the server's
 * data within the liveness bound (10 s), and no acknowledged write may be lost or duplicated.
 */

const LIVENESS_MS = 10_000;
const PARTITION_MS = size(1_500, 5_000);

let dir: string;
let server: ServerProcess;
let proxy: TcpProxy;
let writers: Writer[];
let checker: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-partition-'));
  server = await startServerProcess(baseConfig(dir));
  proxy = await TcpProxy.start({ port: Number(new URL(server.url).port) });
  const viaProxy = `ws://${proxy.url}/api/sync`;
  checker = await checkerToken(server.url);
  writers = [
    await Writer.open('part-a', server.url, viaProxy),
    await Writer.open('part-b', server.url, viaProxy),
    await Writer.open('part-c', server.url, server.wsUrl),
  ];
}, 120_000);

afterAll(async () => {
  for (const w of writers ?? []) w.close();
  await proxy?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const faults: { name: string; apply: () => void }[] = [
  { name: 'stall both ways (heals before TCP gives up)', apply: () => proxy.set({ kind: 'stall' }) },
  { name: 'black hole (bytes dropped; cut on heal)', apply: () => proxy.set({ kind: 'drop' }) },
  { name: 'stall client → server only (answers overtake requests)', apply: () => proxy.set({ kind: 'stall', direction: 'up' }) },
  { name: 'stall server → client only', apply: () => proxy.set({ kind: 'stall', direction: 'down' }) },
  { name: 'connections cut, reconnects refused', apply: () => proxy.set({ kind: 'refuse' }) },
  { name: '150 ms delay on every chunk', apply: () => proxy.set({ kind: 'pass', delayMs: 150 }) },
];

describe('fault: partition between clients and the server', () => {
  for (const fault of faults) {
    it(`${fault.name}: queues drain and replicas converge within 10 s of healing`, async () => {
      for (const w of writers) w.start(25);
      await new Promise((r) => setTimeout(r, 300));
      fault.apply();
      await new Promise((r) => setTimeout(r, PARTITION_MS));
      const acked = acknowledgedNow(writers);
      for (const w of writers) w.stopWriting();
      const heal: ProxyMode = { kind: 'pass' };
      proxy.set(heal);
      const tookMs = await converge(writers, server.wsUrl, checker, LIVENESS_MS);
      const result = checkWrites(await serverCopy(server.wsUrl, checker), writers, acked, true);
      report('partition client-server', {
        fault: fault.name,
        partitionMs: PARTITION_MS,
        written: writers.map((w) => w.written),
        convergedMs: tookMs,
        ...result,
        proxyCuts: proxy.stats.cuts,
      });
      expect(result).toEqual({ lost: 0, duplicated: 0, torn: 0 });
      expect(tookMs).toBeLessThanOrEqual(LIVENESS_MS);
    }, 60_000);
  }

  it('repeated cuts under load lose and duplicate nothing', async () => {
    const rounds = size(5, 40);
    for (const w of writers) w.start(10);
    for (let i = 0; i < rounds; i++) {
      await new Promise((r) => setTimeout(r, 150 + ((i * 37) % 200)));
      proxy.cut();
    }
    const acked = acknowledgedNow(writers);
    for (const w of writers) w.stopWriting();
    const tookMs = await converge(writers, server.wsUrl, checker, LIVENESS_MS);
    const result = checkWrites(await serverCopy(server.wsUrl, checker), writers, acked, true);
    report('partition client-server', { fault: 'connection cut', rounds, full: FULL, written: writers.map((w) => w.written), convergedMs: tookMs, ...result });
    expect(result).toEqual({ lost: 0, duplicated: 0, torn: 0 });
  }, 120_000);
});
