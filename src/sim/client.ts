import { applyChangeset, HybridClock, ObjectState, type Changeset, type Instruction } from '../changeset/index.ts';
import { rebase } from '../merge/index.ts';
import { OutpostError } from '../errors.ts';
import type { Schema } from '../model/index.ts';
import type { Download, UploadEntry } from './server.ts';

interface LocalEntry {
  readonly clientVersion: number;
  changeset: Changeset;
}

/**
 * A client replica in memory: its objects, its changesets the server has not acknowledged
 * (kept rebased onto everything downloaded so far), and its download cursor.
 */
export class SimClient {
  fileIdent: number | undefined;
  readonly state: ObjectState;
  readonly clock: HybridClock;
  /** Local changesets not yet known to be integrated by the server, in client-version order. */
  local: LocalEntry[] = [];
  private nextVersion = 1;
  /** The last server version integrated, and the own client version the server had integrated by then. */
  cursor = { server: 0, acknowledged: 0 };

  constructor(schema: Schema, now: () => number) {
    this.state = new ObjectState(schema);
    this.clock = new HybridClock({ now });
  }

  /** Applies a local write transaction; returns its client version. */
  write(instructions: Instruction[]): { clientVersion: number; changeset: Changeset } {
    const changeset: Changeset = { origin: this.fileIdent ?? 0, timestamp: this.clock.tick(), instructions };
    applyChangeset(this.state, changeset);
    const clientVersion = this.nextVersion++;
    this.local.push({ clientVersion, changeset });
    return { clientVersion, changeset };
  }

  /**
   * Takes the file ident the server allocated. Changesets written before it carry origin 0;
   * they get the real origin now, before any merge compares origins.
   */
  identify(ident: number): void {
    if (this.fileIdent !== undefined) return;
    this.fileIdent = ident;
    for (const e of this.local) e.changeset = { ...e.changeset, origin: ident };
  }

  /** Everything past the acknowledged cursor, rebased onto the current download cursor. */
  pendingUploads(): UploadEntry[] {
    return this.local.map((e) => ({ clientVersion: e.clientVersion, base: this.cursor.server, changeset: e.changeset }));
  }

  private acknowledge(upTo: number): void {
    if (upTo > this.cursor.acknowledged) this.cursor.acknowledged = upTo;
    while (this.local.length > 0 && this.local[0]!.clientVersion <= this.cursor.acknowledged) this.local.shift();
  }

  /**
   * Integrates a download. Entries already integrated are skipped (duplicates); a download
   * that starts past the cursor means one was lost, which is an error (the caller reconnects).
   * Returns the entries that were integrated.
   */
  receive(d: Download): Download['entries'] {
    // The protocol sends downloads only after IDENT: merging before it would break ties between
    // equal timestamps with the provisional origin 0 instead of the file ident the server and
    // every other replica use, so the same pair could be decided differently (seed 7000815).
    if (this.fileIdent === undefined) {
      throw new OutpostError('bad_changeset', 'protocol: a download before the file ident');
    }
    if (d.from > this.cursor.server) {
      throw new OutpostError('bad_changeset', `download gap: at ${this.cursor.server}, got one from ${d.from}`);
    }
    const integrated: Download['entries'][number][] = [];
    for (const e of d.entries) {
      if (e.version <= this.cursor.server) continue;
      this.acknowledge(e.lastIntegrated);
      this.clock.observe(e.changeset.timestamp);
      const r = rebase(e.changeset, this.local.map((l) => l.changeset));
      applyChangeset(this.state, r.changeset);
      r.concurrent.forEach((c, k) => (this.local[k]!.changeset = c));
      this.cursor.server = e.version;
      integrated.push(e);
    }
    if (d.to > this.cursor.server) this.cursor.server = d.to;
    if (d.to >= this.cursor.server) this.acknowledge(d.lastIntegrated);
    return integrated;
  }
}
