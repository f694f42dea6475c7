import type { ServerResponse } from 'node:http';
import * as v from 'valibot';
import { OutpostError, type ErrorCode } from '../../errors.ts';

/** The HTTP status for an error code. */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'unauthorized':
    case 'token_expired':
    case 'invalid_credentials':
    case 'refresh_token_reused':
      return 401;
    case 'permission_denied':
    case 'origin_not_allowed':
    case 'write_outside_view':
      return 403;
    case 'not_found':
    case 'missing_object':
      return 404;
    case 'user_exists':
    case 'object_exists':
    case 'schema_mismatch':
    case 'transaction_conflict':
      return 409;
    case 'frame_too_large':
      return 413;
    case 'rate_limited':
      return 429;
    case 'session_closed':
    case 'timeout':
    case 'storage_full':
      return 503;
    case 'internal':
      return 500;
    default:
      return 400;
  }
}

/** Headers every response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** API responses are data, never documents: nothing may load or frame them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Security-Policy': API_CSP,
    'Cache-Control': 'no-store',
    ...(text ? { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) } : {}),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: OutpostError, extraHeaders: Record<string, string> = {}): void {
  const headers = { ...extraHeaders };
  const retry = err.details?.retryAfterSeconds;
  if (typeof retry === 'number') headers['Retry-After'] = String(retry);
  sendJson(res, httpStatusFor(err.code), { error: { code: err.code, message: err.message } }, headers);
}

/** Validates a parsed body against a valibot schema; every problem becomes one `bad_message`. */
export function parseBody<S extends v.GenericSchema>(schema: S, body: unknown): v.InferOutput<S> {
  const r = v.safeParse(schema, body);
  if (r.success) return r.output;
  const problems = r.issues.slice(0, 5).map((i) => {
    const path = v.getDotPath(i);
    return path ? `${path}: ${i.message}` : i.message;
  });
  throw new OutpostError('bad_message', `invalid request body: ${problems.join('; ')}`);
}
