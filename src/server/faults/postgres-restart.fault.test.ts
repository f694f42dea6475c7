import { afterAll, describe, expect, it } from 'vitest';
import { acknowledgedNow, checkerToken, checkWrites, converge, report, serverCopy, size, waitFor, Writer } from '../testing/faults.ts';
import { PrivatePostgres } from '../testing/private-postgres.ts';
import { baseConfig, startServerProcess, type ServerProcess } from '../testing/server-process.ts';

/*
 * Fault: PostgreSQL crashes and restarts (`pg_ctl stop -m immediate`, then start) under load, on a
 * private instance made for the test. The server process stays up; its sessions fail while the
 * database is away and the clients reconnect; after each restart every changeset acknowledged
 * before the crash is there (0 lost), none twice, and the clients' sessions resume.
 */

const ROUNDS = size(2, 10);
const LIVENESS_MS = 10_000;

let pg: PrivatePostgres | undefined;
let server: ServerProcess | undefined;
const writers: Writer[] = [];

afterAll(async () => {
  for (const w of writers) w.close();
  await server?.stop();
  pg?.destroy();
});

describe('fault: PostgreSQL restarted under load', () => {
  it(`${ROUNDS} immediate restarts: 0 acknowledged writes lost, sessions resume`, async () => {
    pg = await PrivatePostgres.create();
    server = await startServerProcess(baseConfig(pg.url, { postgres: { schema: 'outpost_faults' } }));
    const checker = await checkerToken(server.url);
    for (const tag of ['pgr-a', 'pgr-b']) writers.push(await Writer.open(tag, server.url, server.wsUrl));
    for (const w of writers) w.start(50, 1, 40);
    const totals = { lost: 0, duplicated: 0, torn: 0 };
    for (let round = 1; round <= ROUNDS; round++) {
      const before = writers.map((w) => w.acknowledged);
      await waitFor(`acknowledgements in round ${round}`, () => writers.every((w, i) => w.acknowledged >= before[i]! + 5), 60_000).catch((err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify(writers.map((w) => w.describe()))}\n${server!.output().slice(-3000)}`);
      });
      pg.stopImmediate();
      const acked = acknowledgedNow(writers);
      await new Promise((r) => setTimeout(r, 500));
      pg.start();
      // The server process survived the database's absence.
      expect(server.child.exitCode, server.output().slice(-4000)).toBeNull();
      const result = checkWrites(await serverCopy(server.wsUrl, checker), writers, acked, false);
      totals.lost += result.lost;
      totals.duplicated += result.duplicated;
      totals.torn += result.torn;
      expect(result, `round ${round}`).toEqual({ lost: 0, duplicated: 0, torn: 0 });
    }
    for (const w of writers) w.stopWriting();
    const tookMs = await converge(writers, server.wsUrl, checker, LIVENESS_MS);
    const final = checkWrites(await serverCopy(server.wsUrl, checker), writers, acknowledgedNow(writers), true);
    report('postgres restart', { rounds: ROUNDS, written: writers.map((w) => w.written), reconnects: writers.map((w) => w.reconnects), ...totals, final, convergedMs: tookMs });
    expect(final).toEqual({ lost: 0, duplicated: 0, torn: 0 });
  }, size(180_000, 900_000));
});
