/*
 * The dashboard's calls to the admin API: same origin, the session cookie (sent by the browser)
 * and the CSRF token the login returned, in a header with every request.
 */

let csrf: string | undefined;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/admin${path}`, {
    method,
    credentials: 'same-origin',
    headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...(csrf ? { 'X-Outpost-CSRF': csrf } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!res.ok) throw new ApiError(res.status, json.error?.code ?? 'internal', json.error?.message ?? `HTTP ${res.status}`);
  return json as T;
}

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => call<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => call<T>('PUT', path, body),
  del: (path: string) => call<void>('DELETE', path),
};

/**
 * Logs in with the admin key, or as a user with the admin role (email and password): the server
 * sets the session cookie and returns the CSRF token.
 */
export async function logIn(credentials: { key: string } | { email: string; password: string }): Promise<void> {
  csrf = undefined;
  csrf = (await call<{ csrf: string }>('POST', '/session', credentials)).csrf;
}

/** After a reload: the cookie is still there; fetch its CSRF token again. False when not logged in. */
export async function resume(): Promise<boolean> {
  try {
    csrf = (await call<{ csrf: string }>('GET', '/session')).csrf;
    return true;
  } catch {
    return false;
  }
}

export async function logOut(): Promise<void> {
  await call<void>('DELETE', '/session');
  csrf = undefined;
}
