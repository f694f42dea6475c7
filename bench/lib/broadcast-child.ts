import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/*
 * The floor for fan-out latency: a plain `ws` server (same library and permessage-deflate
 * settings as Outpost's sync endpoint) that forwards every frame it receives, verbatim, to every
 * other connected socket. No storage, no history, no view filtering: what is left is the cost of
 * moving the bytes over loopback to N sockets. Forked like the Outpost server so that both run
 * in a process of their own.
 */

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: {
    threshold: 1024,
    serverNoContextTakeover: true,
    clientNoContextTakeover: true,
    zlibDeflateOptions: { memLevel: 7, level: 5 },
    concurrencyLimit: 8,
  },
});
const sockets = new Set<WebSocket>();
wss.on('connection', (ws) => {
  sockets.add(ws);
  ws.on('close', () => sockets.delete(ws));
  ws.on('message', (data) => {
    const text = String(data);
    for (const s of sockets) if (s !== ws) s.send(text);
  });
});
wss.on('listening', () => process.send?.({ type: 'ready', port: (wss.address() as AddressInfo).port }));
process.on('message', (m: { type: string }) => {
  if (m.type === 'stop') wss.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
