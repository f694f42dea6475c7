import type { ObjectRecord } from '../../model/index.ts';
import type { CachedRow } from './history-cache.ts';
import { splitKey } from './keys.ts';
import { inViewAt, toMessages, type PlannedMessage, type PlannerSession } from './planner.ts';
import type { Item } from './downloads.ts';

/*
 * Fan-out without planning each session on its own.
 *
 * After an append, every idle session at the same cursor needs the same rows. For most of them
 * the planner (planner.ts) decides nothing: the rows only change objects already in their view
 * that still match it, nothing enters or leaves, nothing is cut. Those sessions get the rows
 * whole, and their DOWNLOAD is the same bytes for all of them (encoded and compressed once by
 * SharedFrames). The engine reads the rows and the touched objects once per cursor; per session
 * only what may differ is checked here, synchronously: its view of each touched object. Any
 * session for which something may differ (an object entering or leaving, a field or type it
 * does not get, its own rows, pending view changes) goes through the planner as before.
 */

/** A run of rows as every session at one cursor sees it, with what the check needs computed once. */
export interface SharedRows {
  readonly rows: readonly CachedRow[];
  /** Objects the public rows touch. */
  readonly touched: ReadonlySet<string>;
  /** Whether a public row creates or erases an object, or changes the schema (the planner decides those). */
  readonly structural: boolean;
}

export function sharedRows(rows: readonly CachedRow[]): SharedRows {
  const touched = new Set<string>();
  let structural = false;
  for (const row of rows) {
    if (row.privateTo !== null) continue;
    if (row.hasSchema) structural = true;
    for (const k of row.objects) touched.add(k);
    if (!structural) for (const i of row.changeset.instructions) if (i.op === 'CreateObject' || i.op === 'EraseObject') structural = true;
  }
  return { rows, touched, structural };
}

/**
 * The DOWNLOAD the planner would plan for this session over these rows, when it is the rows
 * whole (or nothing, when they are all private to other clients); undefined when the planner
 * must decide. `states` are the touched objects as the planner's first look reads them.
 */
export function sharedDownload(
  session: PlannerSession,
  shared: SharedRows,
  states: ReadonlyMap<string, ObjectRecord>,
  latest: number,
  maxBytes: number,
): PlannedMessage | undefined {
  const { rows } = shared;
  if (rows.length === 0 || shared.structural) return undefined;
  if (session.futureAdds.size > 0 || session.futureRemoves.size > 0 || session.commitments.length > 0) return undefined;
  if (session.cursor.serverVersion < session.replayUpTo || rows[0]!.version !== session.cursor.serverVersion + 1) return undefined;
  const identity = session.clientFilter.isIdentity;
  const items: Item[] = [];
  const clientVersion = session.cursor.clientVersion;
  let bytes = 0;
  for (const row of rows) {
    if (row.privateTo !== null) {
      // Another client's private row brings this one nothing; its own goes through the planner.
      if (row.privateTo === session.ident) return undefined;
      continue;
    }
    if (row.origin === session.ident || !identity) return undefined;
    for (const k of row.objects) {
      if (!inViewAt(session, k, row.version)) return undefined;
      const rec = states.get(k);
      const { type } = splitKey(k);
      // Gone, or no longer matching: it leaves the view (the planner withholds and erases).
      if (rec === undefined || !session.view.matches(type, rec)) return undefined;
    }
    bytes += row.json.length;
    if (bytes > maxBytes) return undefined;
    items.push({ kind: 'changeset', serverVersion: row.version, clientVersion, changeset: row.changeset, json: row.json });
  }
  const cursor = { serverVersion: rows[rows.length - 1]!.version, clientVersion };
  return toMessages(items, session.cursor, cursor, session.queryVersion, latest, Number.POSITIVE_INFINITY, false)[0]!;
}
