import { WS_BEARER_PREFIX, WS_SUBPROTOCOL } from '../protocol/index.ts';

/*
 * The socket the sync session talks through: the part of the WebSocket interface it uses. The
 * browser's WebSocket cannot set headers, so the access token rides in a second subprotocol
 * (`outpost.bearer.<token>`, never echoed by the server, never in the URL); Node's `ws` sends
 * `Authorization: Bearer`.
 */

export interface SocketLike {
  readonly readyState: number;
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

/** `http(s)://host/base` → `ws(s)://host/base/api/sync`. */
export function syncUrl(baseUrl: string, path: string): string {
  const u = new URL(baseUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : u.protocol === 'http:' ? 'ws:' : u.protocol;
  u.pathname = u.pathname.replace(/\/$/, '') + path;
  u.search = '';
  u.hash = '';
  return u.toString();
}
