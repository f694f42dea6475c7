/**
 * The sync protocol version. BIND carries the client's version; the server accepts any version
 * from MIN_PROTOCOL_VERSION to PROTOCOL_VERSION and answers others with a `protocol_version`
 * ERROR. Bump the version for any change a deployed peer could misread.
 *
 * History:
 * 1 — BIND, IDENT, QUERY, UPLOAD, TRANSACT, STATE_REQUEST, CLIENT_VERSION_REQUEST, MARK, REFRESH,
 *     UNBIND, PING; IDENT, DOWNLOAD, MARK, TRANSACT, STATE, CLIENT_VERSION, QUERY_ERROR, ERROR,
 *     UNBOUND, PONG; history version salts in DOWNLOAD, STATE and IDENT.
 * 2 — the server compresses a message of `compressThresholdBytes` or more itself: one raw DEFLATE
 *     (RFC 1951) of its JSON text, in a binary frame; it no longer offers permessage-deflate. A
 *     version 1 client expects text frames only, so it is refused (`protocol_version`). The
 *     conflict journal: CONFLICTS (server → client) and CONFLICT_DISMISS (client → server). A
 *     DOWNLOAD's `batch: "more"` carries the cursor after its items (a bootstrap can be resumed).
 *     The `clock_skew` error (changesets stamped beyond the server's clock bound).
 */
export const PROTOCOL_VERSION = 2;
export const MIN_PROTOCOL_VERSION = 2;

/** The WebSocket subprotocol every client offers and the server echoes. */
export const WS_SUBPROTOCOL = 'outpost';
/** Browsers cannot set headers on a WebSocket: they pass the access token as a second subprotocol. */
export const WS_BEARER_PREFIX = 'outpost.bearer.';
/** The path of the WebSocket endpoint. */
export const SYNC_PATH = '/api/sync';

/** Protocol limits both ends enforce. */
export const LIMITS = {
  /** Largest frame either side sends (a DOWNLOAD is cut into batches below this). */
  maxFrameBytes: 16 * 1024 * 1024,
  /** Subscriptions in one set. */
  maxSubscriptions: 100,
  /** Changesets in one UPLOAD. */
  maxUploadChangesets: 1000,
  /** Objects one TRANSACT may read. */
  maxTransactReads: 10_000,
  /** A client pings about this often (with jitter) and the server drops a silent one after `idleTimeoutMs`. */
  pingIntervalMs: 60_000,
  pongTimeoutMs: 120_000,
  idleTimeoutMs: 10 * 60_000,
  /** Server messages whose JSON is shorter than this go as text; longer ones compressed, as binary frames. */
  compressThresholdBytes: 1024,
} as const;

/** WebSocket close codes used by the server. */
export const CLOSE_CODES = {
  normal: 1000,
  /** After an ERROR whose action is not `none` (other than `session_closed`): the ERROR says why. */
  error: 4000,
  /** After ERROR `session_closed`: the connection was replaced, idle too long, or the server is shutting down. */
  goingAway: 1001,
} as const;
