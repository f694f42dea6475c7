import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acknowledgedNow, checkerToken, checkWrites, converge, report, serverCopy, size, waitFor, Writer } from '../testing/faults.ts';
import { TcpProxy } from '../testing/tcp-proxy.ts';
import { baseConfig, startServerProcess, type ServerProcess } from '../testing/server-process.ts';

/*
 * Fault: the server process killed with SIGKILL, over and over, while several clients upload as
 * fast as they can. The clients reach it through a TCP proxy that follows the restarted server to
 * its new port (clients keep one address, as behind a load balancer). After each restart the
 * acknowledged-write checker reads the server's data: every changeset a client was told was
 * integrated before the kill is there (0 lost), none is there twice (0 duplicated) and none in
 * part. At the end, once every queue drained, every changeset written is there exactly once.
 */

const ROUNDS = size(3, 100);
const LIVENESS_MS = 10_000;

const dir = mkdtempSync(join(tmpdir(), 'outpost-sigkill-'));
let server: ServerProcess | undefined;
let proxy: TcpProxy | undefined;
const writers: Writer[] = [];

afterAll(async () => {
  for (const w of writers) w.close();
  await proxy?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<ServerProcess> {
  const s = await startServerProcess(baseConfig(dir));
  proxy!.retarget({ port: Number(new URL(s.url).port) });
  return s;
}

describe('fault: SIGKILL of the server under load', () => {
  it(`${ROUNDS} rounds: 0 acknowledged writes lost, 0 duplicated`, async () => {
    proxy = await TcpProxy.start({ port: 1 });
    server = await start();
    const viaProxy = `ws://${proxy.url}/api/sync`;
    let checker = await checkerToken(server.url);
    let loggedIn = Date.now();
    for (const tag of ['kill-a', 'kill-b', 'kill-c']) writers.push(await Writer.open(tag, `http://${proxy.url}`, viaProxy));
    // Each writer offers 20 changesets/s and queues at most 40: the server (one fsync per commit)
    // keeps up on a loaded 2-core machine, so a round is the kill, not a backlog.
    for (const w of writers) w.start(50, 1, 40);
    const totals = { lost: 0, duplicated: 0, torn: 0, acknowledgedAtKills: 0 };
    const began = Date.now();
    for (let round = 1; round <= ROUNDS; round++) {
      if (process.env.OUTPOST_FAULTS_TRACE) console.log(`round ${round} at ${Date.now() - began} ms: ${JSON.stringify(writers.map((w) => [w.acknowledged, w.pending]))}`);
      // Load until every writer has had some changesets acknowledged by this server process.
      const before = writers.map((w) => w.acknowledged);
      await waitFor(`acknowledgements in round ${round}`, () => writers.every((w, i) => w.acknowledged >= before[i]! + 5), 60_000).catch((err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify(writers.map((w) => w.describe()))}\n${server!.output().slice(-3000)}`);
      });
      await server.kill();
      // Acknowledgements the server sent before it died may still be in the proxy: let them land.
      await new Promise((r) => setTimeout(r, 50));
      proxy.cut();
      const acked = acknowledgedNow(writers);
      const t0 = Date.now();
      server = await start();
      const t1 = Date.now();
      // Log in again now and then: a full run outlives an access token (scrypt makes it slow).
      if (Date.now() - loggedIn > 240_000) (checker = await checkerToken(server.url)), (loggedIn = Date.now());
      const result = checkWrites(await serverCopy(server.wsUrl, checker), writers, acked, false);
      if (process.env.OUTPOST_FAULTS_TRACE) console.log(`round ${round}: start ${t1 - t0} ms, check ${Date.now() - t1} ms`);
      totals.lost += result.lost;
      totals.duplicated += result.duplicated;
      totals.torn += result.torn;
      totals.acknowledgedAtKills = [...acked.values()].reduce((a, b) => a + b, 0);
      expect(result, `round ${round}`).toEqual({ lost: 0, duplicated: 0, torn: 0 });
    }
    for (const w of writers) w.stopWriting();
    const tookMs = await converge(writers, server.wsUrl, checker, LIVENESS_MS);
    const final = checkWrites(await serverCopy(server.wsUrl, checker), writers, acknowledgedNow(writers), true);
    report('sigkill', { rounds: ROUNDS, writers: writers.length, written: writers.map((w) => w.written), ...totals, final, convergedMs: tookMs });
    expect(final).toEqual({ lost: 0, duplicated: 0, torn: 0 });
  }, size(300_000, 3_600_000));
});
