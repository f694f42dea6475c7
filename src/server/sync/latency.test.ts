import { describe, expect, it } from 'vitest';
import { UploadLatency } from './latency.ts';

const item = (serverVersion: number) => ({ kind: 'changeset' as const, serverVersion, clientVersion: 0, changeset: { origin: 0, timestamp: 0, instructions: [] } });

describe('upload→download latency', () => {
  it('measures from the upload frame\'s arrival to each DOWNLOAD that carries it to another session', () => {
    let now = 1000;
    const seen: number[] = [];
    const latency = new UploadLatency((s) => seen.push(s), () => now);
    // Client file 7 uploads client versions 3 and 4; they become server versions 20 and 21.
    const rows = new Map([
      [20, { origin: 7, originVersion: 3 }],
      [21, { origin: 7, originVersion: 4 }],
      [22, { origin: 1, originVersion: 9 }],
    ]);
    const originOf = (v: number) => rows.get(v);
    const upload = {};
    latency.arrive(upload);
    now = 1030; // it waited 30 ms in its session's queue
    latency.received(7, upload, [{ clientVersion: 3 }, { clientVersion: 4 }]);
    now = 1080;
    // Its own session gets the acknowledgement, not a delivery: not measured.
    latency.sent(7, [item(20), item(21)], originOf);
    expect(seen).toEqual([]);
    // Client file 8 receives both, and a server write nobody uploaded (not measured).
    latency.sent(8, [item(20), item(21), item(22)], originOf);
    expect(seen).toEqual([0.08, 0.08]);
    now = 1500;
    latency.sent(9, [item(21)], originOf);
    expect(seen).toEqual([0.08, 0.08, 0.5]);
  });

  it('forgets uploads after two minutes', () => {
    let now = 0;
    const seen: number[] = [];
    const latency = new UploadLatency((s) => seen.push(s), () => now);
    latency.received(7, {}, [{ clientVersion: 1 }]);
    now = 121_000;
    latency.received(7, {}, [{ clientVersion: 2 }]);
    expect(latency.size).toBe(1);
    latency.sent(8, [item(5)], () => ({ origin: 7, originVersion: 1 }));
    expect(seen).toEqual([]);
  });
});
