import { AsyncResource } from 'node:async_hooks';
import { applyChangeset, DEFAULT_MAX_CLOCK_SKEW_MS, HybridClock, type Changeset, type Instruction } from '../../changeset/index.ts';
import { parseSchema, samePropertySchema, type ObjectRecord, type ObjectSchemaInput, type PrimaryKey, type Schema } from '../../model/index.ts';
import { decodeValue } from '../../changeset/encoding.ts';
import { OutpostError } from '../../errors.ts';
import { SUBSCRIPTION_QUERY_LIMITS, validateSubscription, type CompiledQuery, type QueryableFields } from '../../query/index.ts';
import type { ConflictRow, StoredSubscription, SyncStore } from '../store/types.ts';
import { ClientSchemaFilter } from './downloads.ts';
import { assertContiguous, HistoryCache, type CachedRow } from './history-cache.ts';
import { GroupCommit } from './group-commit.ts';
import { GroupWriter } from './group-writer.ts';
import { ObjectPeek } from './object-peek.ts';
import { DEFAULT_CONFLICT_JOURNAL, integrateUpload, loadState, objectInstructions, persist, SERVER_ORIGIN, withoutRepeatedCreates, type IntegrationResult, type UploadEntry } from './integrate.ts';
import { keyOf, splitKey } from './keys.ts';
import { sharedDownload, sharedRows, type SharedRows } from './fanout.ts';
import { streamBootstrap, type BootstrapIO } from './bootstrap.ts';
import { SharedFrames } from './frames.ts';
import { UploadLatency } from './latency.ts';
import { guardSession, inViewAt, planDownload, toMessages, type PlannedMessage, type PlannerContext, type PlannerSession } from './planner.ts';
import { integrateTransaction, type TransactOutcome, type TransactRequest } from './transact.ts';
import type { RulesSpec, SessionRoles } from './roles.ts';
import type { SessionView } from './view.ts';

/** What the engine needs to know of a live session. */
export interface EngineSession extends PlannerSession {
  roles: SessionRoles;
  /** New history is available (called at most once per append). */
  wake(): void;
  /** A newer session of the same client file started on this node: end this one. */
  replaced(): void;
  /** The client file was retired while the session runs: end it with a client reset. */
  retire(reason: string, action: 'client_reset' | 'client_reset_no_recovery'): void;
  /** Idle (nothing queued or running, no MARK waiting, not backed up): it may take a shared download now. */
  readonly readyForShared: boolean;
  /** Sends a download planned by the engine's fan-out (fanout.ts) and moves the cursor; wakes itself if still behind. */
  deliverShared(d: PlannedMessage, versionSalt: string): void;
  /** The session's user, when it wants to hear of the conflicts its user loses. */
  readonly conflictsFor?: string | undefined;
  /** New conflict journal entries this session's user lost (not yet filtered by what it may read). */
  conflictsRecorded?(rows: readonly ConflictRow[]): void;
  /** The user dismissed some of its conflicts on another device: send the list again. */
  conflictsDismissed?(): void;
  /** What the operator's dashboard shows of a live session. */
  describe?(): LiveSessionInfo;
  /** An administrator ends the session (the client reconnects after its backoff). */
  endByAdmin?(): void;
}

export interface LiveSessionInfo {
  readonly clientFile: number;
  readonly userId: string;
  readonly connectedAt: number;
  readonly queryVersion: number;
  readonly subscriptions: number;
  /** The download cursor: server version and the last client version acknowledged. */
  readonly serverVersion: number;
  readonly clientVersion: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly messagesIn: number;
}

export interface SyncMetricsSink {
  sessionOpened?(): void;
  sessionClosed?(): void;
  uploaded?(changesets: number): void;
  downloaded?(changesets: number, bytes: number): void;
  mergeSeconds?(seconds: number): void;
  /** An upload received on this node left in a DOWNLOAD to another session this long after (latency.ts). */
  uploadDownloadSeconds?(seconds: number): void;
  bootstrapSeconds?(seconds: number): void;
  compensatingWrites?(count: number): void;
  /** A group commit of this many uploads and TRANSACTs. */
  groupCommitted?(writes: number): void;
}

export interface EngineOptions {
  readonly store: SyncStore;
  /** The configured schema; the stored one (development mode) takes precedence when present. */
  readonly schema?: readonly ObjectSchemaInput[];
  readonly developmentMode?: boolean;
  readonly queryable?: QueryableFields;
  /** Longest subscription query text, in characters (config `limits.maxQueryBytes`; default SUBSCRIPTION_QUERY_LIMITS). */
  readonly maxQueryLength?: number;
  readonly rules?: RulesSpec;
  readonly metrics?: SyncMetricsSink;
  /**
   * The clock bound: uploads stamped further ahead of the server's clock are refused
   * (`clock_skew`, see clock-bound.ts), and no timestamp pulls the server's clock further.
   */
  readonly maxClockAheadMs?: number;
  /** The wall clock (tests inject a deterministic one). */
  readonly now?: () => number;
  /** Download batch size: rows read per download, and bytes of changesets per message. */
  readonly downloadRows?: number;
  readonly downloadBytes?: number;
  /** Objects per bootstrap batch. */
  readonly bootstrapBatch?: number;
  /**
   * How long a client may stay away and still continue its history: files not seen for longer
   * are retired (their next session gets a client reset) and compaction may drop the history
   * they would need. Undefined: kept forever.
   */
  readonly maxOfflineMs?: number;
  /** The most uploads and TRANSACTs one store transaction takes (group commit); default 256. */
  readonly maxGroup?: number;
  /** How many conflict journal entries to keep, and for how long (default DEFAULT_CONFLICT_JOURNAL). */
  readonly conflictJournal?: { readonly maxEntries: number; readonly maxAgeMs: number };
}


/**
 * The sync engine: one per server process, shared by its sessions. It integrates uploads,
 * builds downloads and bootstraps, writes on the server's own behalf, and rings every session
 * when the history grows (here, or on another node sharing the database).
 */
export class SyncEngine {
  readonly store: SyncStore;
  schema: Schema;
  readonly developmentMode: boolean;
  readonly queryable: QueryableFields;
  private readonly maxQueryLength: number | undefined;
  /** Longest subscription query text, in UTF-8 bytes (QUERY_ERROR `subscription_limit` past it). */
  readonly maxQueryBytes: number;
  /** Replaced by the admin API; sessions keep the roles they started with. */
  rules: RulesSpec;
  readonly metrics: SyncMetricsSink;
  readonly clock: HybridClock;
  readonly maxClockAheadMs: number;
  readonly cache: HistoryCache;
  private readonly peek: ObjectPeek;
  readonly maxOfflineMs: number | undefined;
  /** How often a running session records that its client is still there. */
  readonly touchIntervalMs: number;
  readonly sessions = new Set<EngineSession>();
  private latestKnown = 0;
  private unsubscribe: (() => void) | undefined;
  private readonly downloadRows: number;
  private readonly downloadBytes: number;
  private readonly bootstrapBatch: number;
  private readonly scope = new AsyncResource('outpost-sync-engine');
  private readonly groups: GroupCommit<GroupWriter>;
  /** Sessions whose downloads a fan-out is preparing (see `advance`). */
  private readonly sharing = new Set<EngineSession>();
  /** DOWNLOAD frames shared by the sessions that need the same bytes. */
  readonly frames = new SharedFrames();
  /** Upload→download latency (sessions stamp uploads and report downloads sent). */
  readonly latency: UploadLatency;
  readonly rowOrigin = (version: number) => this.cache.peek(version);
  readonly conflictJournal: { readonly maxEntries: number; readonly maxAgeMs: number };
  /** The highest conflict journal id handed to sessions; new entries are read after it. */
  private conflictHigh = 0;
  private conflictPoll: Promise<void> | undefined;
  private conflictPollAgain = false;

  private constructor(options: EngineOptions, schema: Schema) {
    this.store = options.store;
    this.schema = schema;
    this.developmentMode = options.developmentMode ?? false;
    this.queryable = options.queryable ?? {};
    this.maxQueryLength = options.maxQueryLength;
    this.maxQueryBytes = options.maxQueryLength ?? SUBSCRIPTION_QUERY_LIMITS.maxQueryLength;
    // Deny unless a rule grants: without rules nobody may read or write anything.
    this.rules = options.rules ?? { defaultRoles: [] };
    this.metrics = options.metrics ?? {};
    this.maxClockAheadMs = options.maxClockAheadMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
    this.clock = new HybridClock({ maxAheadMs: this.maxClockAheadMs, ...(options.now ? { now: options.now } : {}) });
    this.cache = new HistoryCache(options.store);
    this.peek = new ObjectPeek(options.store, () => this.latestKnown);
    this.downloadRows = options.downloadRows ?? 1000;
    this.downloadBytes = options.downloadBytes ?? 4 * 1024 * 1024;
    this.bootstrapBatch = options.bootstrapBatch ?? 1000;
    this.maxOfflineMs = options.maxOfflineMs;
    this.touchIntervalMs = Math.max(50, Math.min(10 * 60_000, (options.maxOfflineMs ?? Number.POSITIVE_INFINITY) / 4));
    this.groups = new GroupCommit(
      options.store,
      this.scope,
      options.maxGroup ?? 256,
      (n) => this.metrics.groupCommitted?.(n),
      (tx) => new GroupWriter(tx, this.cache),
      (tx) => this.cache.add(tx.appendedRows()),
    );
    this.conflictJournal = options.conflictJournal ?? DEFAULT_CONFLICT_JOURNAL;
    this.latency = new UploadLatency((seconds) => this.metrics.uploadDownloadSeconds?.(seconds));
  }

  static async open(options: EngineOptions): Promise<SyncEngine> {
    const stored = await options.store.getSchema();
    const schema = parseSchema(stored ?? options.schema ?? []);
    if (!stored && options.schema) await options.store.transaction((tx) => tx.setSchema(schema.toJSON()));
    const engine = new SyncEngine(options, schema);
    engine.latestKnown = await options.store.latestVersion();
    engine.conflictHigh = (await options.store.listConflicts({ limit: 1, newestFirst: true, includeDismissed: true }))[0]?.id ?? 0;
    engine.unsubscribe = options.store.onAppend((v) => engine.advance(v));
    return engine;
  }

  get latestVersion(): number {
    return this.latestKnown;
  }

  /**
   * Another node (or this one) appended: idle sessions behind get their downloads from one
   * shared fan-out per cursor (fanout.ts); the others are woken to plan their own.
   */
  advance(version: number): void {
    if (version <= this.latestKnown) return;
    this.latestKnown = version;
    // The doorbell may ring inside a store transaction's async context; the sessions' work must
    // not inherit it (it would look like a nested transaction), so it runs in the engine's own.
    this.scope.runInAsyncScope(() => {
      const groups = new Map<number, EngineSession[]>();
      for (const s of this.sessions) {
        // A session in a fan-out under way is woken by it if it is still behind afterwards.
        if (s.cursor.serverVersion >= version || this.sharing.has(s)) continue;
        if (!s.readyForShared) {
          s.wake();
          continue;
        }
        const at = s.cursor.serverVersion;
        let group = groups.get(at);
        if (!group) groups.set(at, (group = []));
        group.push(s);
      }
      for (const [at, group] of groups) {
        for (const s of group) this.sharing.add(s);
        void this.fanOut(at, group);
      }
      // Conflicts are journaled in the transactions that append, here or on another node.
      this.pollConflicts();
    });
  }

  /**
   * Downloads for the idle sessions at one cursor: the rows and the objects they touch are read
   * once; each session whose download is the rows whole gets it (the same frame for all of them,
   * see frames.ts), every other one plans its own.
   */
  private async fanOut(at: number, group: readonly EngineSession[]): Promise<void> {
    let shared: SharedRows | undefined;
    let states = new Map<string, ObjectRecord>();
    try {
      const rows = await this.cache.range(at, this.latestKnown, this.downloadRows);
      assertContiguous(rows, at);
      shared = sharedRows(rows);
      if (!shared.structural && shared.touched.size > 0) states = await this.peek.getObjects([...shared.touched].map(splitKey));
    } catch {
      // The sessions' own planning meets the same failure and reports it to each of them.
      shared = undefined;
    }
    let last: string | undefined;
    for (const s of group) {
      this.sharing.delete(s);
      // It may have started handling a message, or moved, while the rows were read.
      const d = shared && s.readyForShared && s.cursor.serverVersion === at ? sharedDownload(s, shared, states, this.latestKnown, this.downloadBytes) : undefined;
      if (!d) {
        s.wake();
        continue;
      }
      last ??= shared!.rows[shared!.rows.length - 1]!.salt;
      if (d.items.length > 0) this.metrics.downloaded?.(d.items.length, d.items.reduce((n, i) => n + ((i as { json?: string }).json?.length ?? 0), 0));
      try {
        s.deliverShared(d, last);
      } catch {
        s.wake();
      }
    }
  }

  /** A user dismissed conflicts in one session: its other sessions on this node get the new list. */
  conflictsDismissed(by: EngineSession, userId: string): void {
    for (const s of this.sessions) if (s !== by && s.conflictsFor === userId) s.conflictsDismissed?.();
  }

  /**
   * Hands new conflict journal entries to the sessions of their losers. One read at a time for
   * the whole node, however many sessions and appends (a poll asked for while one runs runs once
   * after it), and none while no session wants them.
   */
  private pollConflicts(): void {
    if (![...this.sessions].some((s) => s.conflictsFor !== undefined)) return;
    if (this.conflictPoll) {
      this.conflictPollAgain = true;
      return;
    }
    this.conflictPoll = (async () => {
      do {
        this.conflictPollAgain = false;
        for (;;) {
          const rows = await this.store.listConflicts({ afterId: this.conflictHigh, limit: 500 });
          if (rows.length === 0) break;
          this.conflictHigh = rows[rows.length - 1]!.id;
          const byUser = new Map<string, ConflictRow[]>();
          for (const r of rows) {
            if (r.loser.userId === null) continue;
            const list = byUser.get(r.loser.userId);
            if (list) list.push(r);
            else byUser.set(r.loser.userId, [r]);
          }
          for (const s of this.sessions) {
            const mine = s.conflictsFor !== undefined ? byUser.get(s.conflictsFor) : undefined;
            if (mine) s.conflictsRecorded?.(mine);
          }
          if (rows.length < 500) break;
        }
      } while (this.conflictPollAgain);
    })()
      .catch(() => {
        // The next append polls again; the entries stay in the journal (and every session's list is read whole when it starts).
      })
      .finally(() => {
        this.conflictPoll = undefined;
        if (this.conflictPollAgain) this.pollConflicts();
      });
  }

  attach(session: EngineSession): void {
    // An older session of the same file on this node is a connection the client gave up on.
    for (const s of this.sessions) if (s.ident === session.ident && s !== session) s.replaced();
    this.sessions.add(session);
    this.metrics.sessionOpened?.();
  }

  detach(session: EngineSession): void {
    if (this.sessions.delete(session)) this.metrics.sessionClosed?.();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  close(): void {
    this.unsubscribe?.();
    this.sessions.clear();
  }

  // ---- schema -------------------------------------------------------------------------------

  /**
   * Checks a client's schema against the server's. Every type and field the client has must
   * exist on the server with the same definition; in development mode the missing ones are
   * added (through the history, so every replica learns them). Fields only the server has are
   * cut from what this client downloads.
   */
  async checkClientSchema(input: readonly ObjectSchemaInput[] | undefined): Promise<ClientSchemaFilter> {
    if (!input) return new ClientSchemaFilter(this.schema, undefined);
    let client: Schema;
    try {
      client = parseSchema(input as ObjectSchemaInput[]);
    } catch (err) {
      throw new OutpostError('schema_mismatch', `the client's schema is invalid: ${(err as Error).message}`);
    }
    const additions = schemaAdditions(this.schema, client);
    if (additions.length > 0) {
      if (!this.developmentMode) {
        const what = additions.map((a) => (a.op === 'AddType' ? a.type : `${a.type}.${(a as { field: string }).field}`)).join(', ');
        throw new OutpostError('schema_mismatch', `the server's schema lacks ${what} (development mode is off)`);
      }
      await this.serverWrite(additions);
    }
    return new ClientSchemaFilter(this.schema, client);
  }

  // ---- subscriptions ------------------------------------------------------------------------

  /** Compiles a subscription set; a bad query throws a QueryError carrying its index. */
  compileSubscriptions(queries: readonly StoredSubscription[]): CompiledQuery[] {
    return queries.map((q, index) => {
      try {
        if (!this.schema.get(q.objectType) || this.schema.require(q.objectType).embedded) {
          throw new OutpostError('bad_query', `unknown object type "${q.objectType}"`);
        }
        const args = q.args.map((a) => decodeValue(a));
        return validateSubscription(this.schema, q.objectType, q.query, args, this.queryable, this.maxQueryLength ? { limits: { maxQueryLength: this.maxQueryLength } } : {});
      } catch (err) {
        const e = err as Error & { code?: string };
        throw new OutpostError('bad_query', `subscription ${index} (${q.objectType}: ${q.query.slice(0, 200)}): ${e.message}`, { index });
      }
    });
  }

  // ---- uploads ------------------------------------------------------------------------------

  /**
   * Integrates an upload. Under the same lock, the session's downloads are first planned up to
   * the latest version, so that every row the upload is transformed against has been cut for
   * this client with exact knowledge of its view (and the reverts of rejected writes see the
   * view as the client will have it). The caller sends the returned downloads first.
   *
   * Uploads from every session of this node are group-committed (group-commit.ts): this one runs
   * in the next store transaction with the others that arrived meanwhile, in a savepoint of its
   * own, and the promise settles after that transaction committed.
   */
  async integrate(session: EngineSession, entries: readonly UploadEntry[]): Promise<IntegrationResult & { downloads: PlannedMessage[] }> {
    const downloads: PlannedMessage[] = [];
    const result = await this.groups.submit(async (tx) => {
      // What the catch-up and the integration read first, sent together (one round trip on
      // PostgreSQL): the rows the session has yet to download come from memory (group-writer.ts).
      if (entries.length > 0) {
        const latest = await tx.latestVersion();
        const behind = session.cursor.serverVersion < latest ? await tx.cachedHistory(session.cursor.serverVersion, latest, this.downloadRows) : [];
        tx.prefetch(session.ident, entries[0]!.base, prefetchKeys(entries, behind));
      }
      await guardSession(tx, session);
      await this.catchUp(session, tx, downloads);
      const r = await integrateUpload(tx, this.integrationContext(session), entries);
      // The next upload of the same group transforms and validates under the grown schema, and
      // its server timestamps (reverts) come after this one's, as with one transaction each.
      this.schema = r.schema;
      for (const e of entries) this.clock.observe(e.changeset.timestamp);
      return r;
    });
    for (const k of result.addedToView) {
      session.viewSet.add(keyOf(k.type, k.pk));
      session.transitions.add(keyOf(k.type, k.pk), k.version, true);
    }
    if (result.integrated > 0) this.metrics.uploaded?.(result.integrated);
    if (result.mergeMicros > 0) this.metrics.mergeSeconds?.(result.mergeMicros / 1e6);
    if (result.compensating.length > 0) this.metrics.compensatingWrites?.(result.compensating.length);
    this.advance(result.lastVersion);
    return { ...result, downloads };
  }

  /**
   * A serialized transaction (TRANSACT): applied whole or rejected whole, under the append lock,
   * after the session's downloads up to the latest version were planned (sent first). It is
   * group-committed like uploads.
   */
  async transact(session: EngineSession, request: TransactRequest): Promise<TransactOutcome & { downloads: PlannedMessage[] }> {
    const downloads: PlannedMessage[] = [];
    const outcome = await this.groups.submit(async (tx) => {
      await guardSession(tx, session);
      await this.catchUp(session, tx, downloads);
      const o = await integrateTransaction(tx, this.integrationContext(session), request);
      this.clock.observe(request.changeset.timestamp);
      return o;
    });
    if (outcome.status === 'applied') {
      this.metrics.uploaded?.(1);
      this.advance(outcome.serverVersion);
    }
    return { ...outcome, downloads };
  }

  private integrationContext(session: EngineSession) {
    return {
      ident: session.ident,
      schema: this.schema,
      developmentMode: this.developmentMode,
      roles: session.roles,
      view: session.view,
      viewSet: session.viewSet,
      tick: () => this.clock.tick(),
      processedUpTo: session.cursor.serverVersion,
      inViewAt: (k: string, v: number) => inViewAt(session, k, v),
      conflictJournal: this.conflictJournal,
    };
  }

  /**
   * Plans the session's downloads up to the latest version inside a transaction that holds the
   * append lock, so that every row an upload or a transaction is checked against has been cut
   * for this client with exact knowledge of its view.
   */
  private async catchUp(session: EngineSession, tx: GroupWriter, downloads: PlannedMessage[]): Promise<void> {
    for (;;) {
      const latest = await tx.latestVersion();
      if (session.cursor.serverVersion >= latest) return;
      const rows = await tx.cachedHistory(session.cursor.serverVersion, latest, this.downloadRows);
      assertContiguous(rows, session.cursor.serverVersion);
      const planned = await planDownload(this.plannerContext(), session, rows, this.downloadBytes, tx);
      if (!planned) return;
      downloads.push(toMessages(planned.items, session.cursor, planned.cursor, session.queryVersion, latest, Number.POSITIVE_INFINITY, false)[0]!);
      session.cursor = planned.cursor;
    }
  }

  /** The version salt of a version ('' at 0), or undefined when that entry is gone or never was. */
  async saltAt(version: number): Promise<string | undefined> {
    if (version === 0) return '';
    const rows = await this.cache.range(version - 1, version, 1);
    const row = rows[0];
    return row !== undefined && row.version === version ? row.salt : undefined;
  }

  /**
   * The last client version integrated from a client file, for its own user (CLIENT_VERSION).
   * Read under the append lock, so that an upload still being integrated is counted or not, never half.
   */
  async clientVersionOf(userId: string, fileIdent: number, salt: string): Promise<{ known: boolean; clientVersion: number }> {
    const file = await this.store.transaction((tx) => tx.getClientFile(fileIdent));
    if (!file || file.salt !== salt || file.userId !== userId) return { known: false, clientVersion: 0 };
    return { known: true, clientVersion: file.lastIntegrated };
  }

  /**
   * A change made by the server itself (the data API, development-mode schema additions):
   * applied and appended like any other changeset, based on the latest version.
   */
  async serverWrite(instructions: readonly Instruction[]): Promise<number> {
    const version = await this.store.transaction(async (tx) => {
      const state = await loadState(tx, this.schema, objectInstructions(instructions));
      const changeset: Changeset = { origin: SERVER_ORIGIN, timestamp: this.clock.tick(), instructions: withoutRepeatedCreates(instructions, state) };
      await persist(tx, state, applyChangeset(state, changeset));
      if (state.schema !== this.schema) await tx.setSchema(state.schema.toJSON());
      const latest = await tx.latestVersion();
      const v = await tx.appendHistory({ origin: SERVER_ORIGIN, originVersion: latest + 1, privateTo: null, changeset });
      this.schema = state.schema;
      return v;
    });
    this.advance(version);
    return version;
  }

  // ---- downloads ----------------------------------------------------------------------------

  get downloadBytesPerMessage(): number {
    return this.downloadBytes;
  }

  plannerContext(): PlannerContext {
    return { store: this.store, schema: this.schema, tick: () => this.clock.tick(), peek: this.peek };
  }

  /**
   * The next DOWNLOAD for a session, or undefined when it is up to date. The caller sends it
   * and then sets `session.cursor` to its cursor.
   */
  async nextDownload(session: EngineSession): Promise<PlannedMessage | undefined> {
    const latest = this.latestKnown;
    if (session.cursor.serverVersion >= latest) return undefined;
    // Replayed rows come in batches of their own: they are cut with no new decisions.
    const upTo = session.cursor.serverVersion < session.replayUpTo ? Math.min(latest, session.replayUpTo) : latest;
    const rows = await this.cache.range(session.cursor.serverVersion, upTo, this.downloadRows);
    assertContiguous(rows, session.cursor.serverVersion);
    if (onlyOthersPrivate(session, rows)) {
      // Entries private to other clients (their bootstraps, views, reverts) bring this one
      // nothing: its cursor passes them without planning. Every fresh client's bootstrap appends
      // such entries and wakes every session; planning each of them made connecting N clients
      // cost N² (bench:server, the connect curve).
      const cursor = { serverVersion: rows[rows.length - 1]!.version, clientVersion: session.cursor.clientVersion };
      return toMessages([], session.cursor, cursor, session.queryVersion, this.latestKnown, Number.POSITIVE_INFINITY, false)[0]!;
    }
    const planned = await planDownload(this.plannerContext(), session, rows, this.downloadBytes);
    if (!planned) return undefined;
    if (planned.appended !== undefined) this.advance(planned.appended);
    const bytes = planned.items.reduce((n, i) => n + (i.kind === 'changeset' ? (i.json?.length ?? 256) : 256), 0);
    this.metrics.downloaded?.(planned.items.length, bytes);
    return toMessages(planned.items, session.cursor, planned.cursor, session.queryVersion, this.latestKnown, Number.POSITIVE_INFINITY, false)[0]!;
  }

  /**
   * Bootstraps a new subscription set as a stream (bootstrap.ts): pages of `bootstrapBatch`
   * objects are planned and sent in order with `io.send` (the last DOWNLOAD with `batch: 'last'`),
   * waiting for `io.room()` before each; updates the session's view, cursor and set version.
   */
  async bootstrap(session: EngineSession, view: SessionView, queryVersion: number, io: BootstrapIO): Promise<void> {
    const started = performance.now();
    const r = await streamBootstrap(this.plannerContext(), session, view, queryVersion, () => this.latestKnown, io, {
      batch: this.bootstrapBatch,
      rows: this.downloadRows,
      maxBytes: this.downloadBytes,
    });
    session.queryVersion = queryVersion;
    if (r.appended !== undefined) this.advance(r.appended);
    this.metrics.bootstrapSeconds?.((performance.now() - started) / 1000);
  }
}

export { SERVER_ORIGIN };

/** The objects an upload's changesets name, and (up to a bound) those the rows it is behind touch. */
function prefetchKeys(entries: readonly UploadEntry[], behind: readonly CachedRow[]): { type: string; pk: PrimaryKey }[] {
  const keys = new Map<string, { type: string; pk: PrimaryKey }>();
  for (const e of entries) {
    for (const i of e.changeset.instructions) {
      if (i.op === 'AddType' || i.op === 'AddField') continue;
      const k = keyOf(i.type, i.pk);
      if (!keys.has(k)) keys.set(k, { type: i.type, pk: i.pk });
    }
  }
  const touched = new Set(behind.flatMap((r) => r.objects));
  if (touched.size <= PREFETCH_TOUCHED) for (const k of touched) if (!keys.has(k)) keys.set(k, splitKey(k));
  return [...keys.values()];
}

/** Beyond this many objects touched by the rows a session is behind, its catch-up reads them itself. */
const PREFETCH_TOUCHED = 2000;

/**
 * Whether `rows` are all private to other clients, and the session has no view changes waiting
 * for versions among them (joins kept across a reconnect, replayed commitments): then passing
 * them changes nothing but its cursor.
 */
function onlyOthersPrivate(session: EngineSession, rows: readonly CachedRow[]): boolean {
  if (rows.length === 0 || session.futureAdds.size > 0 || session.futureRemoves.size > 0 || session.commitments.length > 0) return false;
  if (session.cursor.serverVersion < session.replayUpTo) return false;
  return rows.every((r) => r.privateTo !== null && r.privateTo !== session.ident);
}

/**
 * The schema instructions that take `current` to `next` when `next` only adds types and fields
 * (types first, so that fields referring to new types resolve). A type whose primary key or
 * embeddedness differs, or a field whose definition differs, is a `schema_mismatch`; types and
 * fields `next` lacks are not its business (a client may know less than the server).
 */
export function schemaAdditions(current: Schema, next: Schema): Instruction[] {
  const inputs = next.toJSON();
  const types: Instruction[] = [];
  const fields: Instruction[] = [];
  for (const [name, t] of next.types) {
    const cur = current.get(name);
    const input = inputs.find((x) => x.name === name)!;
    if (!cur) {
      types.push({ op: 'AddType', type: name, schema: input });
      continue;
    }
    if (cur.embedded !== t.embedded || cur.primaryKey !== t.primaryKey) {
      throw new OutpostError('schema_mismatch', `type ${name} differs from the server's (embedded or primary key)`);
    }
    for (const [field, p] of t.properties) {
      const sp = cur.properties.get(field);
      if (!sp) fields.push({ op: 'AddField', type: name, field, property: input.properties[field]! });
      else if (!samePropertySchema(sp, p)) throw new OutpostError('schema_mismatch', `field ${name}.${field} differs from the server's definition`);
    }
  }
  return [...types, ...fields];
}
