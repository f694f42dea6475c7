import { parseConfig } from '../../src/server/config/load.ts';
import { startServer } from '../../src/server/main.ts';
import { attachSyncEngine } from '../../src/server/sync/attach.ts';

/*
 * The Outpost server as the benchmarks run it: the real process wiring (startServer with the
 * real sync engine, auth, HTTP and store), forked by server-proc.ts so that its memory and CPU
 * are its own, not shared with the load-generating clients. Configuration arrives as JSON in
 * BENCH_SERVER_CONFIG (the same object a config file would hold). Over IPC it answers:
 *   { type: 'mem', id }  → after two full GCs (node --expose-gc), process.memoryUsage()
 *   { type: 'stop' }     → a clean shutdown, then exit
 */

const raw = JSON.parse(process.env.BENCH_SERVER_CONFIG ?? '{}') as Record<string, unknown>;
const server = await startServer({ config: parseConfig(raw), attachSync: attachSyncEngine });
const send = (m: unknown): void => void process.send?.(m);
send({ type: 'ready', url: server.url, port: server.port });

const gc = (globalThis as { gc?: () => void }).gc;
process.on('message', (m: { type: string; id?: number }) => {
  if (m.type === 'mem') {
    // Two passes: the first can leave finalizer-held objects for the second.
    gc?.();
    gc?.();
    send({ type: 'mem', id: m.id, usage: process.memoryUsage(), gc: gc !== undefined });
  } else if (m.type === 'stop') {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  }
});
process.on('disconnect', () => void server.close().finally(() => process.exit(0)));
