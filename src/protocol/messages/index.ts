import * as v from 'valibot';
import { OutpostError } from '../../errors.ts';
import { bindSchema } from './bind.ts';
import { conflictDismissSchema, conflictsSchema } from './conflicts.ts';
import { encodeChangeset, encodeSubscription, encodeValue } from './common.ts';
import { downloadSchema } from './download.ts';
import { errorSchema, queryErrorSchema } from './errors.ts';
import { clientIdentSchema } from './ident-client.ts';
import { serverIdentSchema } from './ident-server.ts';
import { clientMarkSchema, serverMarkSchema } from './mark.ts';
import { pingSchema, pongSchema } from './ping.ts';
import { querySchema } from './query.ts';
import { refreshSchema } from './refresh.ts';
import { unbindSchema, unboundSchema } from './unbind.ts';
import { uploadSchema } from './upload.ts';
import { stateRequestSchema, stateSchema } from './state.ts';
import { clientVersionRequestSchema, clientVersionSchema } from './client-version.ts';
import { transactResultSchema, transactSchema } from './transact.ts';

/** Every message a client may send. */
export const clientMessageSchema = v.variant('t', [
  bindSchema,
  clientIdentSchema,
  querySchema,
  uploadSchema,
  transactSchema,
  stateRequestSchema,
  clientVersionRequestSchema,
  clientMarkSchema,
  refreshSchema,
  unbindSchema,
  pingSchema,
  conflictDismissSchema,
]);
export type ClientMessage = v.InferOutput<typeof clientMessageSchema>;

/** Every message a server may send. */
export const serverMessageSchema = v.variant('t', [
  serverIdentSchema,
  downloadSchema,
  serverMarkSchema,
  transactResultSchema,
  stateSchema,
  clientVersionSchema,
  queryErrorSchema,
  errorSchema,
  unboundSchema,
  pongSchema,
  conflictsSchema,
]);
export type ServerMessage = v.InferOutput<typeof serverMessageSchema>;

const CLIENT_TYPES = new Set(['BIND', 'IDENT', 'QUERY', 'UPLOAD', 'TRANSACT', 'STATE_REQUEST', 'CLIENT_VERSION_REQUEST', 'MARK', 'REFRESH', 'UNBIND', 'PING', 'CONFLICT_DISMISS']);
const SERVER_TYPES = new Set(['IDENT', 'DOWNLOAD', 'MARK', 'TRANSACT', 'STATE', 'CLIENT_VERSION', 'QUERY_ERROR', 'ERROR', 'UNBOUND', 'PONG', 'CONFLICTS']);

function parse<T>(text: string, schema: v.GenericSchema<unknown, T>, known: Set<string>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new OutpostError('bad_message', 'the frame is not valid JSON');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new OutpostError('bad_message', 'a message must be a JSON object');
  const t = (raw as { t?: unknown }).t;
  if (typeof t !== 'string') throw new OutpostError('bad_message', 'a message needs a string "t"');
  if (!known.has(t)) throw new OutpostError('unknown_message', `unknown message type ${JSON.stringify(t.slice(0, 64))}`);
  const result = v.safeParse(schema, raw);
  if (!result.success) {
    const issue = result.issues[0];
    const where = v.getDotPath(issue) ?? '';
    throw new OutpostError('bad_message', `${t}${where ? '.' + where : ''}: ${issue.message}`, { type: t, path: where });
  }
  return result.output;
}

/** Parses and validates a frame from a client. Throws `bad_message` or `unknown_message`. */
export function parseClientMessage(text: string): ClientMessage {
  return parse(text, clientMessageSchema, CLIENT_TYPES);
}

/** Parses and validates a frame from the server. Throws `bad_message` or `unknown_message`. */
export function parseServerMessage(text: string): ServerMessage {
  return parse(text, serverMessageSchema, SERVER_TYPES);
}

function wire(m: ClientMessage | ServerMessage): unknown {
  switch (m.t) {
    case 'UPLOAD':
      return { ...m, changesets: m.changesets.map((c) => ({ ...c, changeset: encodeChangeset(c.changeset) })) };
    case 'QUERY':
    case 'STATE_REQUEST':
      return { ...m, queries: m.queries.map(encodeSubscription) };
    case 'TRANSACT':
      return 'changeset' in m ? { ...m, reads: m.reads.map((r) => ({ type: r.type, pk: encodeValue(r.pk) })), changeset: encodeChangeset(m.changeset) } : m;
    case 'STATE':
      return { ...m, objects: m.objects.map((o) => ({ type: o.type, record: encodeValue(o.record) })) };
    case 'IDENT':
      return 'subscriptions' in m ? { ...m, subscriptions: { ...m.subscriptions, queries: m.subscriptions.queries.map(encodeSubscription) } } : m;
    case 'DOWNLOAD':
      return {
        ...m,
        items: m.items.map((item) => ({ ...item, changeset: encodeChangeset(item.changeset) })),
      };
    case 'CONFLICTS':
      return {
        ...m,
        entries: m.entries.map((e) => ({
          ...e,
          pk: encodeValue(e.pk),
          ...(e.lost ? { lost: encodeJournaled(e.lost) } : {}),
          ...(e.won ? { won: encodeJournaled(e.won) } : {}),
        })),
      };
    case 'ERROR':
      return m.compensatingWrites ? { ...m, compensatingWrites: m.compensatingWrites.map((w) => ({ ...w, pk: encodeValue(w.pk) })) } : m;
    default:
      return m;
  }
}

function encodeJournaled(j: { value?: unknown; size?: number }): unknown {
  return 'value' in j ? { ...j, value: encodeValue(j.value as never) } : j;
}

/** Encodes a message as the JSON text of one WebSocket frame. */
export function encodeMessage(m: ClientMessage | ServerMessage): string {
  return JSON.stringify(wire(m));
}

export type { Bind } from './bind.ts';
export { CONFLICT_KINDS, type ConflictDismiss, type ConflictEntry, type ConflictsMessage } from './conflicts.ts';
export type { Subscription } from './common.ts';
export type { Download, DownloadItem } from './download.ts';
export { ERROR_ACTIONS, type ErrorAction, type ErrorMessage, type QueryErrorMessage } from './errors.ts';
export type { ClientIdent } from './ident-client.ts';
export type { ServerIdent } from './ident-server.ts';
export type { ClientMark, ServerMark } from './mark.ts';
export type { Ping, Pong } from './ping.ts';
export type { Query } from './query.ts';
export type { Refresh } from './refresh.ts';
export type { Unbind, Unbound } from './unbind.ts';
export type { Upload } from './upload.ts';
export type { StateMessage, StateRequest } from './state.ts';
export type { ClientVersionMessage, ClientVersionRequest } from './client-version.ts';
export type { Transact, TransactResult } from './transact.ts';
