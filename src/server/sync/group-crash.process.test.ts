import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseConfig, everything, METRICS_TOKEN, schema, startServerProcess, user, type ServerProcess } from '../testing/server-process.ts';
import { ProtocolClient } from '../testing/protocol-client.ts';

/*
 * Crash safety of group commit: several sessions upload at once, so that the server integrates
 * uploads from several of them in one store transaction (the metrics show groups of more than
 * one), and the server is killed with SIGKILL while they keep coming. After a restart on the
 * same data, for every writer: each changeset it was told was integrated is there, none is
 * half-applied (each creates an object and increments the writer's own counter: they must
 * match), and what was not acknowledged goes up again exactly once.
 */

const WRITERS = 5;

async function groupCounters(url: string): Promise<{ commits: number; writes: number }> {
  const text = await (await fetch(url + '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { commits: read('outpost_sync_group_commits_total'), writes: read('outpost_sync_group_commit_writes_total') };
}

describe('SIGKILL during group commits of several sessions', () => {
  it('keeps every acknowledged changeset of every session, whole, and loses nothing pending', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-group-crash-'));
    // A fixed port, so that the clients reconnect to the restarted server at the same address.
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    let server: ServerProcess = await startServerProcess(baseConfig(dir, { port }));
    const ana = await user(server.url, 'group-crash@example.com');
    const writers: ProtocolClient[] = [];
    const base: number[] = [];
    for (let w = 0; w < WRITERS; w++) {
      const c = new ProtocolClient({ schema, url: server.wsUrl, token: ana.accessToken });
      await c.connect();
      await c.subscribe(everything);
      c.write([{ op: 'CreateObject', type: 'WorkOrder', pk: `counter-${w}` }, { op: 'Set', type: 'WorkOrder', pk: `counter-${w}`, path: ['assigneeId'], value: ana.userId }]);
      await c.sync();
      writers.push(c);
      base.push(c.cursor.clientVersion);
    }

    const written = new Array<number>(WRITERS).fill(0);
    const timer = setInterval(() => {
      writers.forEach((c, w) => {
        // A full pipeline, bounded: a few dozen changesets waiting per writer at most.
        for (let k = 0; k < 4 && c.local.length < 40; k++) {
          const n = ++written[w]!;
          c.write([
            { op: 'CreateObject', type: 'WorkOrder', pk: `g${w}-${n}` },
            { op: 'Set', type: 'WorkOrder', pk: `g${w}-${n}`, path: ['assigneeId'], value: ana.userId },
            { op: 'AddInteger', type: 'WorkOrder', pk: `counter-${w}`, path: ['visits'], value: 1 },
          ]);
        }
      });
    }, 5);
    const acked = (w: number) => writers[w]!.cursor.clientVersion - base[w]!;
    for (let w = 0; w < WRITERS; w++) await writers[w]!.until(() => acked(w) >= 40, 60_000);
    const groups = await groupCounters(server.url);
    await server.kill();
    clearInterval(timer);
    // Uploads of several sessions did share transactions while the writers ran.
    expect(groups.writes).toBeGreaterThan(groups.commits);
    const acknowledged = writers.map((_, w) => acked(w));
    const total = [...written];

    server = await startServerProcess(baseConfig(dir, { port }));
    try {
      const check = new ProtocolClient({ schema, url: server.wsUrl, token: ana.accessToken });
      await check.connect();
      await check.subscribe(everything);
      const objects = [...check.state.objects('WorkOrder')];
      for (let w = 0; w < WRITERS; w++) {
        const visits = check.state.get('WorkOrder', `counter-${w}`)!.visits as number;
        const mine = objects.filter((r) => (r._id as string).startsWith(`g${w}-`)).length;
        // Whole changesets only: every integrated one made one object and one increment.
        expect(mine, `writer ${w}`).toBe(visits);
        expect(visits, `writer ${w}`).toBeGreaterThanOrEqual(acknowledged[w]!);
        for (let i = 1; i <= acknowledged[w]!; i++) expect(check.state.get('WorkOrder', `g${w}-${i}`), `g${w}-${i}`).toBeDefined();
      }
      check.disconnect();

      // The writers come back: what was not acknowledged goes up again, exactly once.
      for (const c of writers) await c.connect();
      for (const c of writers) await c.sync();
      const final = new ProtocolClient({ schema, url: server.wsUrl, token: ana.accessToken });
      await final.connect();
      await final.subscribe(everything);
      for (let w = 0; w < WRITERS; w++) {
        expect(final.state.get('WorkOrder', `counter-${w}`)!.visits, `writer ${w}`).toBe(total[w]);
        expect([...final.state.objects('WorkOrder')].filter((r) => (r._id as string).startsWith(`g${w}-`)).length, `writer ${w}`).toBe(total[w]);
      }
      final.disconnect();
      for (const c of writers) c.disconnect();
    } finally {
      await server.stop();
    }
  }, 240_000);
});
