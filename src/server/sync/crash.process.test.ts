import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseConfig, everything, schema, startServerProcess, user, type ServerProcess } from '../testing/server-process.ts';
import { ProtocolClient } from '../testing/protocol-client.ts';

/*
 * Crash safety of the whole server process: a client uploads as fast as it can, the server is
 * killed with SIGKILL mid-stream and restarted on the same data. Every changeset the client had
 * been told was integrated is there, none is half-applied (each one creates an object and
 * increments a counter: they must match), and the client's unacknowledged ones go up again.
 */

describe('SIGKILL during heavy uploads', () => {
  it('keeps every acknowledged changeset, whole, and loses nothing pending', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-crash-'));
    // A fixed port, so that the client reconnects to the restarted server at the same address.
    // The writer sends one UPLOAD per changeset, far past the default message rate: the subject
    // here is crash safety, not rate limiting.
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const config = () => baseConfig(dir, { port, limits: { messagesPerSecond: 100_000 } });
    let server: ServerProcess = await startServerProcess(config());
    const ana = await user(server.url, 'crash@example.com');
    const c = new ProtocolClient({ schema, url: server.wsUrl, token: ana.accessToken });
    await c.connect();
    await c.subscribe(everything);
    c.write([{ op: 'CreateObject', type: 'WorkOrder', pk: 'counter' }, { op: 'Set', type: 'WorkOrder', pk: 'counter', path: ['assigneeId'], value: ana.userId }]);
    await c.sync();

    let n = 0;
    const writer = setInterval(() => {
      for (let k = 0; k < 20; k++) {
        n++;
        c.write([
          { op: 'CreateObject', type: 'WorkOrder', pk: `c-${n}` },
          { op: 'Set', type: 'WorkOrder', pk: `c-${n}`, path: ['assigneeId'], value: ana.userId },
          { op: 'AddInteger', type: 'WorkOrder', pk: 'counter', path: ['visits'], value: 1 },
        ]);
      }
    }, 5);
    await c.until(() => c.cursor.clientVersion >= 200, 30_000);
    await server.kill();
    clearInterval(writer);
    const acknowledged = c.cursor.clientVersion - 2; // the first two changesets made the counter
    const written = n;
    expect(acknowledged).toBeGreaterThanOrEqual(150);

    server = await startServerProcess(config());
    try {
      const check = new ProtocolClient({ schema, url: server.wsUrl, token: ana.accessToken });
      await check.connect();
      await check.subscribe(everything);
      const visits = check.state.get('WorkOrder', 'counter')!.visits as number;
      const objects = [...check.state.objects('WorkOrder')].filter((r) => (r._id as string).startsWith('c-')).length;
      // Whole transactions only: every integrated changeset made one object and one increment.
      expect(objects).toBe(visits);
      // Every acknowledged one is there.
      expect(visits).toBeGreaterThanOrEqual(acknowledged);
      for (let i = 1; i <= acknowledged; i++) expect(check.state.get('WorkOrder', `c-${i}`), `c-${i}`).toBeDefined();
      check.disconnect();

      // The writer comes back: what was not acknowledged goes up again, exactly once.
      await c.connect();
      await c.sync();
      const final = new ProtocolClient({ schema, url: server.wsUrl, token: ana.accessToken });
      await final.connect();
      await final.subscribe(everything);
      expect(final.state.get('WorkOrder', 'counter')!.visits).toBe(written);
      expect([...final.state.objects('WorkOrder')].filter((r) => (r._id as string).startsWith('c-')).length).toBe(written);
      final.disconnect();
      c.disconnect();
    } finally {
      await server.stop();
    }
  }, 180_000);
});
