import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { encodeChangeset } from '../../src/changeset/index.ts';
import { PROTOCOL_VERSION, WS_SUBPROTOCOL } from '../../src/protocol/index.ts';
import { decodeServerFrame } from '../../src/server/sync/frames.ts';
import { createInstructions, schema, WORK_ORDER, workOrders } from './data.ts';

/*
 * Loads N work orders into a server the way a client would: uploads of `perChangeset` creates
 * each, one at a time (the next is sent once the previous is acknowledged, based on the cursor
 * that acknowledgement carried). It keeps no local state (a full test client would hold a
 * million objects in memory for nothing). It subscribes to every work order first: a client may
 * only create objects its view includes.
 */

const HLC_EPOCH = 1_735_689_600_000;

export async function seed(wsUrl: string, token: string, n: number, perChangeset = 1000): Promise<{ ms: number; changesets: number }> {
  const ws = new WebSocket(wsUrl, [WS_SUBPROTOCOL], { headers: { Authorization: `Bearer ${token}` }, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let ident = { fileIdent: 0, salt: '' };
  let cursor = { serverVersion: 0, clientVersion: 0 };
  let waiter: { until: (m: Record<string, unknown>) => boolean; resolve: () => void } | undefined;
  let failure: Error | undefined;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const text = decodeServerFrame(data, isBinary);
    // Only the envelope matters here; downloads to the seeder are acknowledgements (its own
    // changesets are never echoed), so they are small.
    const m = JSON.parse(text) as Record<string, unknown>;
    if (m.t === 'IDENT') ident = { fileIdent: m.fileIdent as number, salt: m.salt as string };
    if (m.t === 'DOWNLOAD') cursor = m.cursor as typeof cursor;
    if (m.t === 'ERROR' || m.t === 'QUERY_ERROR') failure = new Error(`seed: ${String(m.code)}: ${String(m.message)}`);
    if (waiter && (failure || waiter.until(m))) {
      const w = waiter;
      waiter = undefined;
      w.resolve();
    }
  });
  const next = (until: (m: Record<string, unknown>) => boolean) =>
    new Promise<void>((resolve, reject) => {
      waiter = { until, resolve: () => (failure ? reject(failure) : resolve()) };
    });
  try {
    let wait = next((m) => m.t === 'IDENT');
    ws.send(JSON.stringify({ t: 'BIND', protocolVersion: PROTOCOL_VERSION, fileIdent: null, salt: null, schema }));
    await wait;
    wait = next((m) => m.t === 'DOWNLOAD' && m.queryVersion === 1 && m.batch === 'last');
    ws.send(JSON.stringify({ t: 'IDENT', fileIdent: ident.fileIdent, salt: ident.salt, cursor, subscriptions: { version: 1, queries: [{ objectType: WORK_ORDER, query: 'TRUEPREDICATE', args: [] }] } }));
    await wait;
    const t0 = performance.now();
    let clientVersion = 0;
    for (let from = 0; from < n; from += perChangeset) {
      clientVersion++;
      const instructions = workOrders(from, Math.min(n, from + perChangeset)).flatMap(createInstructions);
      const changeset = encodeChangeset({ origin: ident.fileIdent, timestamp: (Date.now() - HLC_EPOCH) * 4096 + (clientVersion % 4096), instructions });
      const cv = clientVersion;
      wait = next((m) => m.t === 'DOWNLOAD' && (m.cursor as typeof cursor).clientVersion >= cv);
      ws.send(JSON.stringify({ t: 'UPLOAD', changesets: [{ clientVersion: cv, base: cursor.serverVersion, changeset }] }));
      await wait;
    }
    return { ms: performance.now() - t0, changesets: clientVersion };
  } finally {
    ws.terminate();
  }
}
