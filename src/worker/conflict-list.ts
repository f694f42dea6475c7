import type { ConflictInfo, WorkerEvent } from '../worker-api/api.ts';
import type { TabBus } from './tab-bus.ts';

/*
 * The user's conflicts not dismissed, as this tab's page sees them: the leader's list comes from
 * the server and goes to the other tabs; a dismissal in a follower goes to the leader to send.
 * A conflict dismissed here stays out of lists that arrive before the server heard of it.
 */

/** The leader's side: its sync session. */
export interface ConflictSink {
  dismissConflicts(ids: readonly number[]): void;
}

export class ConflictList {
  private conflicts = new Map<number, ConflictInfo>();
  private readonly dismissed = new Set<number>();

  constructor(
    private readonly bus: TabBus,
    private readonly emit: (e: WorkerEvent) => void,
    private readonly isLeader: () => boolean,
    private readonly session: () => ConflictSink | undefined,
  ) {
    bus.on('conflicts', (m) => {
      if (this.isLeader()) return;
      this.conflicts = new Map(m.entries.filter((e) => !this.dismissed.has(e.id)).map((e) => [e.id, e]));
      this.publish(false);
    });
    bus.on('dismissConflicts', (m) => {
      if (this.session()) this.dismiss(m.ids);
    });
    bus.on('hello', () => {
      if (this.isLeader() && this.conflicts.size > 0) this.bus.post({ kind: 'conflicts', entries: [...this.conflicts.values()] });
    });
  }

  /** CONFLICTS from the server (the leader's session): the whole list (`replace`) or entries to add. */
  received(replace: boolean, entries: readonly ConflictInfo[]): void {
    if (replace) this.conflicts = new Map();
    for (const e of entries) if (!this.dismissed.has(e.id)) this.conflicts.set(e.id, e);
    this.publish(true);
  }

  dismiss(ids: readonly number[]): void {
    for (const id of ids) {
      this.dismissed.add(id);
      this.conflicts.delete(id);
    }
    const session = this.session();
    this.publish(session !== undefined);
    if (session) session.dismissConflicts(ids);
    else this.bus.post({ kind: 'dismissConflicts', ids });
  }

  /** Tells this tab's page the current list, and (the leader) the other tabs. */
  private publish(broadcast: boolean): void {
    const entries = [...this.conflicts.values()].sort((a, b) => a.id - b.id);
    this.emit({ kind: 'conflicts', entries });
    if (broadcast) this.bus.post({ kind: 'conflicts', entries });
  }
}
