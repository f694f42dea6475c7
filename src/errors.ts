/**
 * Every error code Outpost uses, on both ends of the wire and in the client API. A code is part
 * of the protocol: never rename one, only add. `docs/protocol.md` describes what each means.
 */
export const ERROR_CODES = [
  // Data model and changesets (pure core, both ends).
  'schema_invalid', // a schema definition is malformed
  'schema_violation', // an object or value does not match the schema
  'schema_mismatch', // the client's schema is incompatible with the server's
  'unknown_type', // an object type the schema does not have
  'unknown_field', // a field the object type does not have
  'bad_changeset', // a changeset or instruction is malformed or cannot apply
  'missing_object', // an instruction targets an object that does not exist
  'object_exists', // creating an object whose primary key is taken (the data API's insert)
  'index_out_of_range', // a list index outside the list
  'bad_query', // a query that does not parse, does not type-check, or exceeds a limit
  // Protocol (socket edge).
  'bad_message', // a frame that is not valid JSON or not a valid message
  'unknown_message', // a message type this protocol version does not have
  'protocol_version', // the client's protocol version is not supported
  'frame_too_large', // a frame over the size limit
  'rate_limited', // too many messages or bytes in a period
  'bad_session_state', // a message that is not allowed at this point (UPLOAD before IDENT, ...)
  'bad_client_file', // an unknown client file ident, or a salt that does not match
  'bad_cursor', // a cursor or base version the server cannot continue from
  'bad_client_version', // a gap or reversal in uploaded client versions
  'clock_skew', // a changeset stamped too far ahead of the server's clock (the ERROR carries serverTime)
  'subscription_limit', // too many subscriptions, or a query too large
  'slow_consumer', // the client did not read its downloads fast enough
  'session_closed', // the session ended (UNBIND, shutdown, replaced)
  'storage_full', // the server's storage is full (disk full): the write was not made; retry later
  // Auth and permissions.
  'unauthorized', // no access token, or one that does not verify
  'token_expired', // the access token expired; refresh it
  'invalid_credentials', // wrong email or password, or an unknown or revoked refresh token
  'user_exists', // registering an email that already has an account
  'refresh_token_reused', // a rotated refresh token was used again: the family is revoked
  'origin_not_allowed', // the request's Origin is not in the allowlist
  'permission_denied', // the user may not do this
  'compensating_write', // some uploaded writes were rejected and reverted
  'transaction_conflict', // a serialized transaction (TRANSACT) met a concurrent change and was not applied
  'write_outside_view', // an upload touched an object outside the session's view
  // Client side.
  'client_reset', // the local history cannot continue with the server's
  'connection_lost', // the socket closed unexpectedly
  'timeout', // an operation did not finish in time
  'offline', // the operation needs a connection
  'quota_exceeded', // the browser refused to store more data
  'worker_failed', // the client's Web Worker did not load or start (wrong URL, 404, MIME type, CSP, an error at start)
  'database_closed', // the database was closed
  'not_found', // an HTTP resource or an object that does not exist
  'internal', // a bug or an unexpected failure; the message says more
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const codeSet: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && codeSet.has(value);
}

/** The one error class of Outpost: a message plus a stable code (and optional details). */
export class OutpostError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'OutpostError';
    this.code = code;
    this.details = details;
  }
}
