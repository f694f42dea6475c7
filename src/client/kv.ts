/*
 * Where the page keeps small things across reloads: logged-in users (with their refresh tokens)
 * and what it remembers of each local database. `localStorage` in browsers, memory elsewhere.
 *
 * Keeping the refresh token in localStorage means script running on the page (an XSS) can read
 * it; an HttpOnly cookie would not be readable, but the sync server's HTTP API is token based and
 * a worker cannot read cookies for the WebSocket either. docs/client.md discusses the trade-off.
 */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export class MemoryKeyValueStore implements KeyValueStore {
  private readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
}

export function defaultStore(): KeyValueStore {
  try {
    const ls = (globalThis as { localStorage?: KeyValueStore }).localStorage;
    if (ls) {
      const probe = '__outpost_probe__';
      ls.setItem(probe, '1');
      ls.removeItem(probe);
      return ls;
    }
  } catch {
    // storage disabled (private mode, sandboxed frame)
  }
  return new MemoryKeyValueStore();
}

export function readJson<T>(store: KeyValueStore, key: string): T | undefined {
  try {
    const s = store.getItem(key);
    return s === null ? undefined : (JSON.parse(s) as T);
  } catch {
    return undefined;
  }
}

export function writeJson(store: KeyValueStore, key: string, value: unknown): void {
  try {
    store.setItem(key, JSON.stringify(value));
  } catch {
    // quota: the data is only a convenience
  }
}
