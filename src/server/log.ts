import pino from 'pino';

/*
 * Logging (pino, JSON lines). Logs never hold credentials or document contents:
 * - credentials are redacted by key wherever they appear (up to three levels deep): tokens,
 *   passwords, keys, secrets, Authorization and Cookie headers, and the WebSocket subprotocol
 *   header (a browser's access token travels in it);
 * - documents, records, changesets, values and request bodies are logged as a summary, their
 *   keys and counts only (`summarize`), never their values.
 */

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const SECRET_KEYS = [
  'password',
  'newPassword',
  'token',
  'accessToken',
  'refreshToken',
  'key',
  'apiKey',
  'adminKey',
  'secret',
  'jwtSecret',
  'privateKey',
  'authorization',
  'Authorization',
  'cookie',
  'jwt',
];

const HEADER_PATHS = ['headers.authorization', 'headers.cookie', 'headers["sec-websocket-protocol"]', 'headers["set-cookie"]'];

export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  ...HEADER_PATHS.flatMap((h) => [h, `*.${h}`]),
];

/** Keys whose values are document contents: logged as a summary. */
const CONTENT_KEYS = ['doc', 'document', 'documents', 'record', 'records', 'object', 'objects', 'changeset', 'changesets', 'value', 'values', 'body', 'customData', 'data'];

/** What a value looks like, without its contents: kind, keys (of an object), count (of a list). */
export function summarize(value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return { kind: 'null' };
  if (Array.isArray(value)) return { kind: 'list', count: value.length };
  if (value instanceof Uint8Array) return { kind: 'bytes', count: value.length };
  if (typeof value === 'string') return { kind: 'string', length: value.length };
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    return { kind: 'object', keys: keys.slice(0, 50), count: keys.length };
  }
  return { kind: typeof value };
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Where lines go (default stdout). */
  readonly destination?: pino.DestinationStream;
  readonly base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const serializers: Record<string, pino.SerializerFn> = { err: pino.stdSerializers.err };
  for (const k of CONTENT_KEYS) serializers[k] = summarize;
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? { service: 'outpost' },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      serializers,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}

/** A logger that drops everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
