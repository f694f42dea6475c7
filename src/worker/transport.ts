import { WS_BEARER_PREFIX, WS_SUBPROTOCOL } from '../protocol/index.ts';

/*
 * The socket the sync session talks through: the part of the WebSocket interface it uses. The
 * browser's WebSocket cannot set headers, so the access token rides in a second subprotocol
 * (`outpost.bearer.<token>`, never echoed by the server, never in the URL); Node's `ws` sends
 * `Authorization: Bearer`.
 */

export interface SocketLike {
  readonly readyState: number;
  /** Browsers' and `ws`'s: how binary frames arrive (set to 'arraybuffer' where it exists). */
  binaryType?: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type SocketFactory = (url: string, token: string) => SocketLike;

type BrowserSocketCtor = new (url: string, protocols: string[]) => SocketLike;
type HeaderSocketCtor = new (url: string, protocols: string[], options: { headers: Record<string, string> }) => SocketLike;

/** Browsers: the token as a subprotocol. */
export function subprotocolSockets(Ctor?: BrowserSocketCtor): SocketFactory {
  return (url, token) => {
    const C = Ctor ?? (globalThis as unknown as { WebSocket?: BrowserSocketCtor }).WebSocket;
    if (!C) throw new Error('no WebSocket implementation: pass one (e.g. the ws package) in the sync options');
    return new C(url, [WS_SUBPROTOCOL, WS_BEARER_PREFIX + token]);
  };
}

/** Node (the `ws` package): the token in an Authorization header. */
export function headerSockets(Ctor: HeaderSocketCtor): SocketFactory {
  return (url, token) => new Ctor(url, [WS_SUBPROTOCOL], { headers: { Authorization: `Bearer ${token}` } });
}

/**
 * A server frame as JSON text. Protocol 2: a binary frame is one raw DEFLATE (RFC 1951) of the
 * message's JSON (the server compresses large messages once for all their receivers); text
 * frames are JSON as they are. Decompressed with the platform's DecompressionStream (browsers,
 * Node 18+); the caller keeps frames in order (the session's queue).
 */
export async function frameText(data: unknown): Promise<string> {
  if (typeof data === 'string') return data;
  let blob: Blob;
  if (data instanceof Blob) blob = data;
  else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) blob = new Blob([data as ArrayBuffer | ArrayBufferView<ArrayBuffer>]);
  else return String(data);
  const stream = blob.stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Response(stream).text();
}

/** `http(s)://host/base` → `ws(s)://host/base/api/sync`. */
export function syncUrl(baseUrl: string, path: string): string {
  const u = new URL(baseUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : u.protocol === 'http:' ? 'ws:' : u.protocol;
  u.pathname = u.pathname.replace(/\/$/, '') + path;
  u.search = '';
  u.hash = '';
  return u.toString();
}
