import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { encodeMessage, PROTOCOL_VERSION, WS_SUBPROTOCOL, type Subscription } from '../../src/protocol/index.ts';
import type { ObjectSchemaInput } from '../../src/model/index.ts';
import { decodeServerFrame } from '../../src/server/sync/frames.ts';

/*
 * A minimal protocol client for load: it binds, identifies with a subscription set, waits for the
 * bootstrap's last batch, and from then on only timestamps the frames it receives. It does not
 * parse or integrate downloads, so that thousands of them in one process measure the server's
 * fan-out (and loopback) rather than the clients' own work; the writer in the fan-out benchmark
 * is a full protocol client (src/server/testing/protocol-client.ts). It inflates compressed (binary)
 * frames as a client of protocol 2 must.
 */

export class LightSession {
  fileIdent = 0;
  /** Called for every frame after the bootstrap, with its arrival time (performance.now()). */
  onFrame: ((text: string, at: number) => void) | undefined;

  private constructor(private readonly ws: WebSocket) {}

  static open(wsUrl: string, token: string, schema: readonly ObjectSchemaInput[], queries: readonly Subscription[], timeoutMs = 120_000): Promise<LightSession> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl, [WS_SUBPROTOCOL], { headers: { Authorization: `Bearer ${token}` } });
      const s = new LightSession(ws);
      let ready = false;
      const timer = setTimeout(() => fail(new Error('light session: no bootstrap in time')), timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        ws.terminate();
        reject(err);
      };
      ws.once('unexpected-response', (_req, res) => fail(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      ws.once('error', (err) => (ready ? undefined : fail(err)));
      ws.on('open', () => {
        ws.send(encodeMessage({ t: 'BIND', protocolVersion: PROTOCOL_VERSION, fileIdent: null, salt: null, schema: schema as never }));
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        const at = performance.now();
        const text = decodeServerFrame(data, isBinary);
        if (ready) {
          s.onFrame?.(text, at);
          return;
        }
        const m = JSON.parse(text) as { t: string; fileIdent?: number; salt?: string; batch?: string; queryVersion?: number; code?: string; message?: string };
        if (m.t === 'IDENT') {
          s.fileIdent = m.fileIdent!;
          ws.send(
            encodeMessage({
              t: 'IDENT',
              fileIdent: m.fileIdent!,
              salt: m.salt!,
              cursor: { serverVersion: 0, clientVersion: 0 },
              subscriptions: { version: 1, queries: [...queries] },
            }),
          );
        } else if (m.t === 'DOWNLOAD' && m.queryVersion === 1 && m.batch === 'last') {
          ready = true;
          clearTimeout(timer);
          resolve(s);
        } else if (m.t === 'ERROR' || m.t === 'QUERY_ERROR') {
          fail(new Error(`light session: ${m.t} ${m.code}: ${m.message}`));
        }
      });
    });
  }

  /** A plain socket to the broadcast floor (broadcast-child.ts): ready once open, no protocol. */
  static openRaw(url: string): Promise<LightSession> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const s = new LightSession(ws);
      ws.once('error', reject);
      ws.once('open', () => resolve(s));
      ws.on('message', (data) => {
        const at = performance.now();
        s.onFrame?.(String(data), at);
      });
    });
  }

  send(text: string): void {
    this.ws.send(text);
  }

  close(): void {
    this.ws.terminate();
  }
}
