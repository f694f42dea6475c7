import { isErrorCode, OutpostError } from '../protocol/index.ts';

/*
 * The HTTP side of the client (auth endpoints, docs/protocol.md §1): JSON in and out, errors as
 * `{"error": {"code", "message"}}` turned into typed OutpostErrors. A request that never reached
 * the server is `offline`.
 */

export type FetchLike = (input: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
}>;

export interface HttpOptions {
  readonly method?: 'GET' | 'POST';
  readonly body?: unknown;
  readonly token?: string;
}

export async function httpJson<T>(fetchImpl: FetchLike, baseUrl: string, path: string, options: HttpOptions = {}): Promise<T> {
  const url = baseUrl.replace(/\/$/, '') + path;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let res;
  try {
    res = await fetchImpl(url, {
      method: options.method ?? (options.body !== undefined ? 'POST' : 'GET'),
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch (err) {
    throw new OutpostError('offline', `could not reach ${url}: ${(err as Error)?.message ?? err}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = isErrorCode(e?.code) ? e.code : res.status === 401 ? 'unauthorized' : res.status === 404 ? 'not_found' : 'internal';
    throw new OutpostError(code, typeof e?.message === 'string' ? e.message : `HTTP ${res.status} from ${path}`, { status: res.status });
  }
  return json as T;
}

export function defaultFetch(): FetchLike {
  const f = (globalThis as { fetch?: FetchLike }).fetch;
  if (!f) return () => Promise.reject(new Error('no fetch implementation'));
  return (input, init) => f(input, init);
}
