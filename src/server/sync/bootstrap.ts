import type { ObjectRecord, PrimaryKey } from '../../model/index.ts';
import type { Item } from './downloads.ts';
import { assertContiguous, prepareRow } from './history-cache.ts';
import { keyOf, splitKey } from './keys.ts';
import { appendViewRows, cut, guardSession, logDepartures, membership, planDownload, type PlannedMessage, type PlannerContext, type PlannerSession } from './planner.ts';
import type { SessionView } from './view.ts';

/*
 * Bootstrapping a new subscription set as a stream, in memory bounded by the batch size rather
 * than by the view.
 *
 * 1. The rows since the session's cursor are planned against the set the client has (the old
 *    view), as any download.
 * 2. From then on the session plans with the new view.
 * 3. The objects that match it are read from the store in keyset-paginated pages of `batch`,
 *    gathered until their state would fill a DOWNLOAD (`maxBytes`); then, under the append lock:
 *    the rows appended meanwhile are cut (as a download with the new view is: objects leaving
 *    are withheld and erased, objects born in the view join), the gathered objects not in the
 *    view yet are read again where those rows touched them, and one entry marker (planner.ts,
 *    `appendViewRows`) enters those that still match, their state as of the lock sent with it.
 * 4. The objects of the old view are judged the same way, page by page: those the new view does
 *    not have leave it (a private erase).
 *
 * Every step's items go out as they are planned, in DOWNLOADs of about `maxBytes` tagged with the
 * new set's version (`batch: "more"`, then `"last"`), each with the cursor after its items: the
 * client applies them together, and may resume from the last one it kept (protocol.md §6).
 * Before each page the socket must have room (`room`): a client that does not read is paused
 * there and dropped if it stays behind. The markers hold nothing, so when it reconnects the
 * objects entered after its cursor are not in its view, and the next bootstrap enters them
 * together with the ones it did not get to yet.
 */

export interface BootstrapIO {
  send(d: PlannedMessage): Promise<void>;
  /** Resolves when the socket may take more; throws (slow_consumer) when the client is too slow. */
  room(): Promise<void>;
}

export interface BootstrapLimits {
  /** Objects per page read from the store. */
  readonly batch: number;
  /** Rows read at once. */
  readonly rows: number;
  /** Bytes of changesets per DOWNLOAD, roughly. */
  readonly maxBytes: number;
}

const itemBytes = (i: Item) => i.json?.length ?? i.changeset.instructions.length * 80;

export async function streamBootstrap(
  ctx: PlannerContext,
  session: PlannerSession,
  view: SessionView,
  queryVersion: number,
  latestKnown: () => number,
  io: BootstrapIO,
  limits: BootstrapLimits,
): Promise<{ appended?: number }> {
  let pending: Item[] = [];
  let bytes = 0;
  let appended: number | undefined;

  const flush = async (last: boolean) => {
    const latest = Math.max(latestKnown(), session.cursor.serverVersion);
    // Every item pending comes from a transaction that committed (items are emitted after it):
    // the cursor is where the client stands once it holds this message, so a client whose
    // connection ends mid-bootstrap can resume from the last batch it kept (protocol.md §6).
    const cursor = { ...session.cursor };
    const items = pending;
    pending = [];
    bytes = 0;
    await io.send({
      t: 'DOWNLOAD',
      queryVersion,
      cursor,
      latestServerVersion: latest,
      items,
      batch: last ? 'last' : 'more',
      progress: { downloaded: cursor.serverVersion, downloadable: latest },
      serverTime: Date.now(),
    });
  };
  const emit = async (items: readonly Item[]) => {
    for (const i of items) {
      pending.push(i);
      bytes += itemBytes(i);
    }
    if (bytes > limits.maxBytes) await flush(false);
  };

  // 1. What happened since the cursor, under the set the client has.
  for (;;) {
    await io.room();
    const latest = await ctx.store.latestVersion();
    if (session.cursor.serverVersion >= latest && session.cursor.serverVersion >= session.replayUpTo) break;
    const rows = (await ctx.store.history(session.cursor.serverVersion, latest, limits.rows)).map(prepareRow);
    assertContiguous(rows, session.cursor.serverVersion);
    const planned = await planDownload(ctx, session, rows, limits.maxBytes);
    if (!planned) break;
    if (planned.appended !== undefined) appended = planned.appended;
    session.cursor = planned.cursor;
    await emit(planned.items);
  }

  // 2. The new set from here on; the objects the old one had are judged after the new ones.
  session.view = view;
  const had = [...session.viewSet];

  /**
   * Under the lock: the rows since the cursor, then these objects entering or leaving. `read`:
   * the objects as a page read them before the lock; those no row since the cursor touched are
   * the same now (the page was read after the cursor's version), the others are read again.
   */
  const step = async (keys: readonly string[], read?: ReadonlyMap<string, ObjectRecord>) => {
    const out: Item[] = [];
    await ctx.store.transaction(async (tx) => {
      await guardSession(tx, session);
      const check = new Set(keys);
      const touched = new Set<string>();
      const leaving = new Set<string>();
      for (;;) {
        const latest = await tx.latestVersion();
        if (session.cursor.serverVersion >= latest) break;
        const rows = (await tx.history(session.cursor.serverVersion, latest, limits.rows)).map(prepareRow);
        assertContiguous(rows, session.cursor.serverVersion);
        if (rows.length === 0) break;
        const c = await cut(tx, tx, session, rows, Number.POSITIVE_INFINITY);
        await logDepartures(tx, session, c);
        for (const k of c.left.keys()) leaving.add(k);
        for (const row of rows) for (const k of row.objects) touched.add(k);
        for (const k of c.inside) check.add(k);
        for (const k of c.outside) if (view.filterFor(splitKey(k).type)) check.add(k);
        out.push(...c.items);
        session.cursor = { serverVersion: c.serverVersion, clientVersion: c.clientVersion };
      }
      const reread = [...check].filter((k) => !read?.has(k) || touched.has(k));
      const states = reread.length > 0 ? await tx.getObjects(reread.map(splitKey)) : new Map<string, ObjectRecord>();
      if (read) for (const k of check) if (!touched.has(k) && read.has(k)) states.set(k, read.get(k)!);
      const m = membership(session, check, states);
      for (const k of m.leave) leaving.add(k);
      if (m.enter.length === 0 && leaving.size === 0) return;
      const r = await appendViewRows(ctx, tx, session, [...leaving], m.enter, session.cursor.clientVersion);
      out.push(...r.items);
      session.cursor = { serverVersion: r.last, clientVersion: session.cursor.clientVersion };
      appended = r.last;
    });
    // Sent after the transaction: sending reads the store (the version salt).
    await emit(out);
  };

  // 3. The objects the new set has, page by page; pages are entered together (one entry marker,
  // see planner.ts `appendViewRows`) until their state would fill a DOWNLOAD.
  let reading = new Map<string, ObjectRecord>();
  let readingBytes = 0;
  const enterRead = async () => {
    if (reading.size === 0) return;
    const read = reading;
    reading = new Map();
    readingBytes = 0;
    await step([...read.keys()], read);
  };
  for (const type of view.types()) {
    if (!session.clientFilter.knowsType(type)) continue;
    const filter = view.filterFor(type)!;
    const pkField = ctx.schema.require(type).primaryKey!;
    let afterPk: string | undefined;
    for (;;) {
      await io.room();
      // Read after the cursor's version (every step leaves the cursor at the latest version).
      const page = await ctx.store.queryObjects(type, filter, { ...(afterPk !== undefined ? { afterPk } : {}), limit: limits.batch });
      for (const row of page) {
        const k = keyOf(type, row.record[pkField] as PrimaryKey);
        if (session.viewSet.has(k) || session.futureAdds.has(k)) continue;
        reading.set(k, row.record);
        // As `itemBytes` counts the instructions that will enter it (a create, a value per field).
        readingBytes += 80 * Object.keys(row.record).length;
      }
      if (readingBytes >= limits.maxBytes) await enterRead();
      if (page.length < limits.batch) break;
      afterPk = page[page.length - 1]!.pk;
    }
  }
  await enterRead();

  // 4. The objects the old set had: those the new one does not have leave.
  for (let i = 0; i < had.length; i += limits.batch) {
    await io.room();
    await step(had.slice(i, i + limits.batch).filter((k) => session.viewSet.has(k)));
  }
  // Rows appended since the last page, so that the last batch leaves the client at the latest version.
  await step([]);
  await flush(true);
  return appended !== undefined ? { appended } : {};
}
