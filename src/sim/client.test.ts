import { describe, expect, it } from 'vitest';
import { SimClient } from './client.ts';
import { SimServer } from './server.ts';
import { runScenario } from './fuzz.ts';
import { fuzzSchema } from './workload.ts';

/*
 * Seed 7000815 of the convergence fuzzer, minimized: a client that has not received its file
 * ident yet adds 2 to a counter while the server sets it to 326 with the very same HLC
 * timestamp. The tie goes to the higher origin, which is the client's file ident (2 > 1), so
 * the increment survives: 328. The simulated client used to integrate the server's download
 * while its changeset still carried the provisional origin 0, dropped its own increment, and
 * every replica converged on 326 against the documented rule.
 */
describe('SimClient before its file ident', () => {
  it('refuses downloads until identified, so an equal-timestamp tie is broken by the file ident', () => {
    const time = Date.UTC(2026, 5, 1);
    const server = new SimServer(fuzzSchema, () => time, 10 * 60_000);
    const client = new SimClient(fuzzSchema, () => time);
    const ident = server.allocateFile(); // its IDENT answer is still on the way to the client
    const t4 = { type: 'Task', pk: 't4' } as const;
    const local = client.write([
      { op: 'CreateObject', ...t4 },
      { op: 'AddInteger', ...t4, path: ['n'], value: 2 },
    ]).changeset;
    const set = server.write([
      { op: 'CreateObject', ...t4 },
      { op: 'Set', ...t4, path: ['n'], value: 326 },
    ]);
    expect(set.timestamp).toBe(local.timestamp);

    expect(() => client.receive(server.download(ident, 0))).toThrow(/before the file ident/);
    client.identify(ident);
    client.receive(server.download(ident, 0));
    server.upload(ident, client.pendingUploads());
    client.receive(server.download(ident, client.cursor.server));

    expect(client.local).toEqual([]);
    expect(server.state.get('Task', 't4')!.n).toBe(328);
    expect(client.state.equals(server.state)).toBe(true);
  });

  it('seed 7000815 converges and matches the oracle', () => {
    const r = runScenario(7000815);
    expect(r.problems).toEqual([]);
  });
});
