import { applyChangeset, checkChangeset, HybridClock, ObjectState, SERVER_ORIGIN, type Changeset } from '../changeset/index.ts';
import { rebase } from '../merge/index.ts';
import { OutpostError } from '../errors.ts';
import type { Schema } from '../model/index.ts';

/*
 * The reference server loop, in memory: one linear history, per-client reciprocal history,
 * exactly-once integration of uploads. The real server implements the same steps over its
 * storage; this one is what the convergence fuzzer checks the merge engine with.
 */

export interface HistoryEntry {
  readonly version: number;
  /** The origin's file ident (1 for the server itself). */
  readonly origin: number;
  /** The origin's client version of this changeset. */
  readonly originVersion: number;
  readonly changeset: Changeset;
}

export interface UploadEntry {
  readonly clientVersion: number;
  /** The last server version the client had integrated when it (re)based this changeset. */
  readonly base: number;
  readonly changeset: Changeset;
}

export interface DownloadEntry {
  readonly version: number;
  /** The receiving client's last client version integrated before this entry. */
  readonly lastIntegrated: number;
  readonly origin: number;
  readonly originVersion: number;
  readonly changeset: Changeset;
}

export interface Download {
  readonly from: number;
  readonly to: number;
  readonly lastIntegrated: number;
  readonly entries: readonly DownloadEntry[];
}

interface ClientFile {
  lastIntegrated: number;
  /** Foreign changesets as this client's replica knows them, where that differs from the history. */
  readonly reciprocal: Map<number, Changeset>;
  prunedTo: number;
}

export { SERVER_ORIGIN };

export class SimServer {
  readonly history: HistoryEntry[] = [];
  readonly state: ObjectState;
  readonly clock: HybridClock;
  private readonly files = new Map<number, ClientFile>();
  private nextFile = 2;
  private serverWrites = 0;

  constructor(schema: Schema, now: () => number, maxAheadMs: number) {
    this.state = new ObjectState(schema);
    this.clock = new HybridClock({ now, maxAheadMs });
  }

  get version(): number {
    return this.history.length;
  }

  allocateFile(): number {
    const ident = this.nextFile++;
    this.files.set(ident, { lastIntegrated: 0, reciprocal: new Map(), prunedTo: 0 });
    return ident;
  }

  private file(ident: number): ClientFile {
    const f = this.files.get(ident);
    if (!f) throw new OutpostError('bad_changeset', `unknown client file ${ident}`);
    return f;
  }

  /** Integrates an upload; entries already integrated are skipped, a gap is an error. */
  upload(ident: number, entries: readonly UploadEntry[]): void {
    const f = this.file(ident);
    for (const e of entries) {
      if (e.clientVersion <= f.lastIntegrated) continue; // a re-send after a lost acknowledgement
      if (e.clientVersion !== f.lastIntegrated + 1) {
        throw new OutpostError('bad_changeset', `client version gap: expected ${f.lastIntegrated + 1}, got ${e.clientVersion}`);
      }
      if (e.base < f.prunedTo || e.base > this.version) throw new OutpostError('bad_changeset', `bad base version ${e.base}`);
      if (e.changeset.origin !== ident) throw new OutpostError('bad_changeset', 'changeset origin is not the uploader');
      const checked = checkChangeset(this.state.schema, e.changeset);
      const versions: number[] = [];
      const concurrent: Changeset[] = [];
      for (let v = e.base + 1; v <= this.version; v++) {
        const h = this.history[v - 1]!;
        if (h.origin === ident) continue;
        versions.push(v);
        concurrent.push(f.reciprocal.get(v) ?? h.changeset);
      }
      const r = rebase(checked, concurrent);
      applyChangeset(this.state, r.changeset);
      r.concurrent.forEach((c, k) => {
        if (c !== concurrent[k]) f.reciprocal.set(versions[k]!, c);
      });
      for (const v of f.reciprocal.keys()) if (v <= e.base) f.reciprocal.delete(v);
      f.prunedTo = e.base;
      f.lastIntegrated = e.clientVersion;
      this.clock.observe(e.changeset.timestamp);
      this.history.push({ version: this.version + 1, origin: ident, originVersion: e.clientVersion, changeset: r.changeset });
    }
  }

  /** A change made on the server itself (a data-API write): based on the latest version. */
  write(instructions: Changeset['instructions']): Changeset {
    const changeset: Changeset = { origin: SERVER_ORIGIN, timestamp: this.clock.tick(), instructions };
    applyChangeset(this.state, changeset);
    this.history.push({ version: this.version + 1, origin: SERVER_ORIGIN, originVersion: ++this.serverWrites, changeset });
    return changeset;
  }

  /** The changesets of other origins after `from`, with the client's acknowledgement at each. */
  download(ident: number, from: number): Download {
    const f = this.file(ident);
    let lastIntegrated = 0;
    for (let v = from; v >= 1; v--) {
      const h = this.history[v - 1]!;
      if (h.origin === ident) {
        lastIntegrated = h.originVersion;
        break;
      }
    }
    const entries: DownloadEntry[] = [];
    for (let v = from + 1; v <= this.version; v++) {
      const h = this.history[v - 1]!;
      if (h.origin === ident) {
        lastIntegrated = h.originVersion;
        continue;
      }
      entries.push({ version: v, lastIntegrated, origin: h.origin, originVersion: h.originVersion, changeset: h.changeset });
    }
    void f;
    return { from, to: this.version, lastIntegrated, entries };
  }
}
