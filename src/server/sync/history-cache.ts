import { encodeChangeset } from '../../changeset/index.ts';
import { pkKey } from '../../model/index.ts';
import { objectKeyString, type HistoryRow, type SyncStore } from '../store/types.ts';
import { OutpostError } from '../../errors.ts';
import { versionSalt } from './salt.ts';

/** A history row with what every session's download needs, computed once. */
export interface CachedRow extends HistoryRow {
  /** The changeset's wire JSON (reused for every session that gets it unfiltered). */
  readonly json: string;
  /** The objects it touches (`objectKeyString`), in first-touch order. */
  readonly objects: readonly string[];
  /** Whether it carries schema instructions. */
  readonly hasSchema: boolean;
  /** Its version salt (see salt.ts). */
  readonly salt: string;
}

/** A store row with its encoding and the objects it touches. */
export function prepareRow(row: HistoryRow): CachedRow {
  const objects = new Set<string>();
  let hasSchema = false;
  for (const i of row.changeset.instructions) {
    if (i.op === 'AddType' || i.op === 'AddField') hasSchema = true;
    else objects.add(objectKeyString(i.type, pkKey(i.pk)));
  }
  return { ...row, json: JSON.stringify(encodeChangeset(row.changeset)), objects: [...objects], hasSchema, salt: versionSalt(row) };
}

/**
 * Recent history, decoded and encoded once for all sessions: after an upload every session
 * whose view it touches downloads the same rows, so fan-out costs one store read, not one per
 * session.
 */
export class HistoryCache {
  private readonly rows = new Map<number, CachedRow>();
  /**
   * Store reads under way, by their first version: the sessions an append wakes all miss the
   * same new rows at once, and read them once, not once each.
   */
  private readonly reading = new Map<number, Promise<CachedRow[]>>();

  /** JSON characters of the cached rows (their decoded changesets take a few times that). */
  private bytes = 0;
  /**
   * Rows below this version were compacted away: never served nor kept again (a store read
   * under way when compaction ran may still bring them back).
   */
  private floor = 0;

  constructor(
    private readonly store: SyncStore,
    private readonly capacity = 20_000,
    /**
     * At most this many JSON characters: a bootstrap's private rows hold a batch of objects each,
     * and every session passes them, so a count of rows alone does not bound the memory.
     */
    private readonly maxBytes = 32 * 1024 * 1024,
  ) {}

  /** A cached row, without reading the store (undefined when it is not cached). */
  peek(version: number): CachedRow | undefined {
    return this.rows.get(version);
  }

  /** Rows with after < version <= upTo, at most `limit`. */
  async range(after: number, upTo: number, limit: number): Promise<CachedRow[]> {
    const end = Math.min(upTo, after + limit);
    const out: CachedRow[] = [];
    let v = after + 1;
    if (v < this.floor) {
      // Compacted history: what the store has left is the answer (a gap, see assertContiguous).
      const rows = (await this.store.history(after, end, end - after)).map(prepareRow);
      return rows;
    }
    while (v <= end) {
      const hit = this.rows.get(v);
      if (hit) {
        out.push(hit);
        v++;
        continue;
      }
      const fetched = await this.fetch(v, end);
      let added = 0;
      for (const c of fetched) {
        // A shared read may go past `end`: take what this call asked for. A gap (compacted
        // history) is passed on as it is; assertContiguous decides what it means.
        if (c.version < v) continue;
        if (c.version > end) break;
        out.push(c);
        v = c.version + 1;
        added++;
      }
      if (added === 0) break;
    }
    return out;
  }

  /** Rows from version `from` on (up to `end`, more if a shared read asked for more), cached. */
  private fetch(from: number, end: number): Promise<CachedRow[]> {
    const pending = this.reading.get(from);
    if (pending) return pending;
    const read = this.store.history(from - 1, end, Math.max(100, end - from + 1)).then((rows) => {
      const prepared = rows.map(prepareRow);
      for (const c of prepared) this.put(c);
      return prepared;
    });
    this.reading.set(from, read);
    const done = () => this.reading.delete(from);
    read.then(done, done);
    return read;
  }

  /** Rows this node appended and committed (the group writer's): later reads find them here. */
  add(rows: readonly CachedRow[]): void {
    for (const r of rows) this.put(r);
  }

  /** Drops the rows below a version (history compaction deleted them from the store). */
  forgetBelow(version: number): void {
    this.floor = Math.max(this.floor, version);
    for (const [v, row] of [...this.rows]) if (v < version) this.drop(v, row);
  }

  private put(row: CachedRow): void {
    if (row.version < this.floor) return;
    const old = this.rows.get(row.version);
    if (old) this.drop(row.version, old);
    this.rows.set(row.version, row);
    this.bytes += row.json.length;
    // Evict the oldest versions (sessions that far behind read from the store); the newest stays.
    for (const [v, r] of this.rows) {
      if (this.rows.size <= 1 || (this.rows.size <= this.capacity && this.bytes <= this.maxBytes)) break;
      this.drop(v, r);
    }
  }

  private drop(version: number, row: CachedRow): void {
    this.rows.delete(version);
    this.bytes -= row.json.length;
  }
}

/**
 * Versions are contiguous; a gap after a session's cursor means compaction removed history the
 * session still needed (its file was retired meanwhile): it cannot continue, only reset. A new
 * client (cursor 0) starts from whatever history is left: it gets objects from their state.
 */
export function assertContiguous(rows: readonly { version: number }[], cursor: number): void {
  const first = rows[0];
  if (first !== undefined && cursor > 0 && first.version !== cursor + 1) {
    throw new OutpostError('bad_cursor', `the history after version ${cursor} was compacted away; this local database must be reset`, { action: 'client_reset' });
  }
}
