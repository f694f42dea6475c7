import { performance } from 'node:perf_hooks';
import { encodeChangeset, type Instruction } from '../../src/changeset/index.ts';
import { parseSchema } from '../../src/model/index.ts';
import { ProtocolClient } from '../../src/server/testing/protocol-client.ts';
import { LightSession } from './light-session.ts';
import { schema, WORK_ORDER } from './data.ts';
import { percentile } from './stats.ts';
import { startBroadcastProcess, type MemoryReport, type ServerProcess } from './server-proc.ts';

/*
 * Upload-to-other-client latency with N connected sessions, and the server's memory per idle
 * session.
 *
 * One writer (a full protocol client) and N receivers (light-session.ts), all subscribed to
 * `status == "fanout"`. At each level N the writer creates one work order with that status (every
 * receiver gets it: it joins their views at its birth), then updates its title R times; a round's
 * latency, per receiver, is from just before the writer sends its UPLOAD to the arrival of the
 * DOWNLOAD carrying the new title. Samples of all receivers and rounds of a run are pooled for
 * p50/p99; the figure is the median over runs. Receivers and writer are in this process (one
 * clock); the server is a child process.
 *
 * Why the receivers connect before the object exists (and it is erased after its level): every
 * bootstrap that sends objects appends entries private to its client to the history, and
 * connecting thousands of sessions that each bootstrap data measures that (the connect curve in
 * server.bench.ts), not fan-out. Subscribing while the view is empty keeps connecting cheap, and
 * the fan-out path measured is the steady state.
 *
 * The floor, in the same run: the same receivers' sockets on a plain `ws` server that forwards
 * one frame of the same size to all of them (broadcast-child.ts).
 */

const FANOUT = [{ objectType: WORK_ORDER, query: 'status == $0', args: ['fanout'] }];

export interface LevelResult {
  readonly sessions: number;
  readonly p50: number[];
  readonly p99: number[];
  /** Per run: the median over rounds of the last receiver's latency (the whole fan-out). */
  readonly last: number[];
  readonly floorP50: number[];
  readonly floorP99: number[];
  readonly connectMsPerSession: number;
  readonly memory: MemoryReport;
}

export interface FanoutResult {
  readonly levels: LevelResult[];
  /** Memory with only the writer connected, and at the top level after a >1 KiB (compressed) frame reached every session. */
  readonly before: MemoryReport;
  readonly afterLargeFrame: MemoryReport;
}

/** Sends with `send` and resolves with each receiver's latency once all got a frame containing `marker`. */
function round(receivers: readonly LightSession[], marker: string, send: () => void, timeoutMs = 60_000): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const lat: number[] = [];
    const timer = setTimeout(() => reject(new Error(`fan-out round timed out: ${lat.length}/${receivers.length} received`)), timeoutMs);
    let t0 = 0;
    for (const r of receivers) {
      let got = false;
      r.onFrame = (text, at) => {
        if (got || !text.includes(marker)) return;
        got = true;
        lat.push(at - t0);
        if (lat.length === receivers.length) {
          clearTimeout(timer);
          resolve(lat);
        }
      };
    }
    t0 = performance.now();
    send();
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function fanout(srv: ServerProcess, opts: { levels: readonly number[]; runs: number; rounds: (n: number) => number; connectConcurrency?: number }): Promise<FanoutResult> {
  const parsed = parseSchema(schema);
  let token = await srv.login();
  let tokenAt = Date.now();
  const freshToken = async () => {
    // Access tokens last 15 minutes and a session ends when its token expires.
    if (Date.now() - tokenAt > 5 * 60_000) (token = await srv.login()), (tokenAt = Date.now());
    return token;
  };
  const writer = new ProtocolClient({ url: srv.wsUrl, token, schema: parsed });
  await writer.connect();
  await writer.subscribe(FANOUT);
  const floor = await startBroadcastProcess();
  const floorWriter = await LightSession.openRaw(floor.url);
  const receivers: LightSession[] = [];
  const floorReceivers: LightSession[] = [];
  const levels: LevelResult[] = [];
  let afterLargeFrame: MemoryReport | undefined;
  try {
    const before = await srv.memory();
    for (const n of opts.levels) {
      const t0 = performance.now();
      const added = n - receivers.length;
      while (receivers.length < n) {
        const k = Math.min(opts.connectConcurrency ?? 25, n - receivers.length);
        const tk = await freshToken();
        receivers.push(...(await Promise.all(Array.from({ length: k }, () => LightSession.open(srv.wsUrl, tk, schema, FANOUT)))));
      }
      const connectMsPerSession = added > 0 ? (performance.now() - t0) / added : 0;
      while (floorReceivers.length < n) floorReceivers.push(await LightSession.openRaw(floor.url));

      const pk = `fan-${n}`;
      const set = (value: string): Instruction[] => [{ op: 'Set', type: WORK_ORDER, pk, path: ['title'], value }];
      await round(receivers, `"${pk}"`, () =>
        writer.write([{ op: 'CreateObject', type: WORK_ORDER, pk }, { op: 'Set', type: WORK_ORDER, pk, path: ['status'], value: 'fanout' }, ...set('created')]),
      );
      await writer.sync();
      const memory = await srv.memory();

      // The floor forwards a frame as large as the DOWNLOAD the receivers get from Outpost.
      const floorFrame = (marker: string) =>
        JSON.stringify({ t: 'DOWNLOAD', queryVersion: 1, cursor: { serverVersion: 1, clientVersion: 0 }, items: [{ kind: 'changeset', serverVersion: 1, clientVersion: 0, changeset: encodeChangeset({ origin: 2, timestamp: Date.now() * 4096, instructions: set(marker) }) }] });
      const p50: number[] = [];
      const p99: number[] = [];
      const last: number[] = [];
      const floorP50: number[] = [];
      const floorP99: number[] = [];
      let seq = 0;
      const outpostRun = async () => {
        const all: number[] = [];
        const lasts: number[] = [];
        for (let r = 0; r < opts.rounds(n); r++) {
          const marker = `m${n}-${seq++}-${Math.random().toString(36).slice(2, 8)}`;
          const lat = await round(receivers, marker, () => writer.write(set(marker)));
          all.push(...lat);
          lasts.push(Math.max(...lat));
          await pause(5);
        }
        return { all, lasts };
      };
      const floorRun = async () => {
        const all: number[] = [];
        for (let r = 0; r < opts.rounds(n); r++) {
          const marker = `f${n}-${seq++}-${Math.random().toString(36).slice(2, 8)}`;
          all.push(...(await round(floorReceivers, marker, () => floorWriter.send(floorFrame(marker)))));
          await pause(5);
        }
        return all;
      };
      // One warm-up run of each, then the measured runs in alternating order.
      await outpostRun();
      await floorRun();
      for (let i = 0; i < opts.runs; i++) {
        const doOutpost = async () => {
          const r = await outpostRun();
          p50.push(percentile(r.all, 50));
          p99.push(percentile(r.all, 99));
          last.push(percentile(r.lasts, 50));
        };
        const doFloor = async () => {
          const all = await floorRun();
          floorP50.push(percentile(all, 50));
          floorP99.push(percentile(all, 99));
        };
        if (i % 2 === 0) await doOutpost().then(doFloor);
        else await doFloor().then(doOutpost);
      }
      levels.push({ sessions: n, p50, p99, last, floorP50, floorP99, connectMsPerSession, memory });

      if (n === opts.levels[opts.levels.length - 1]) {
        // A frame over the 1 KiB compression threshold reaches every session: from then on each
        // keeps a deflate context, as a real client does after its first bootstrap.
        const big = 'x'.repeat(4096);
        await round(receivers, big.slice(0, 64), () => writer.write([{ op: 'Set', type: WORK_ORDER, pk, path: ['notes'], value: big }]));
        await writer.sync();
        afterLargeFrame = await srv.memory();
      }
      // Erased, so that sessions connecting at the next level do not bootstrap it.
      await round(receivers, `"${pk}"`, () => writer.write([{ op: 'EraseObject', type: WORK_ORDER, pk }]));
      await writer.sync();
    }
    return { levels, before, afterLargeFrame: afterLargeFrame! };
  } finally {
    for (const r of [...receivers, ...floorReceivers, floorWriter]) r.close();
    writer.disconnect();
    await floor.stop();
  }
}
