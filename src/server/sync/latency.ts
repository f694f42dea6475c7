import type { DownloadItem } from '../../protocol/messages/index.ts';

/*
 * Upload→download latency: the time from an UPLOAD frame's arrival at this node to the DOWNLOAD
 * carrying one of its changesets being sent to another session, observed once per (changeset,
 * receiving session). It is what a user waits for between a colleague's write reaching the
 * server and it leaving for their device, queueing, group commit, fan-out and planning included.
 *
 * Only uploads received on this node are measured here: another node's receipt time is not known
 * (and its clock is not this one's). Entries for changesets nobody else receives expire.
 */

/** The origin's client file and client version of a history row (HistoryCache holds them). */
export type RowOrigin = (serverVersion: number) => { readonly origin: number; readonly originVersion: number } | undefined;

const MAX_PENDING = 100_000;
const KEEP_MS = 120_000;

export class UploadLatency {
  /** Frame arrival times of uploads not yet handled, by message object. */
  private readonly arrived = new WeakMap<object, number>();
  /** Arrival time by `origin:clientVersion`, in insertion (arrival) order. */
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly observe: (seconds: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Stamps an UPLOAD message as it arrives (before it waits in its session's queue). */
  arrive(message: object): void {
    this.arrived.set(message, this.now());
  }

  /** The session handles the upload: its changesets are remembered under their client versions. */
  received(origin: number, message: object, changesets: readonly { readonly clientVersion: number }[]): void {
    const at = this.arrived.get(message) ?? this.now();
    this.arrived.delete(message);
    this.expire();
    for (const c of changesets) {
      if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
      this.pending.set(`${origin}:${c.clientVersion}`, at);
    }
  }

  /** A DOWNLOAD with these items is sent to the session of client file `to`. */
  sent(to: number, items: readonly DownloadItem[], originOf: RowOrigin): void {
    if (this.pending.size === 0) return;
    let now: number | undefined;
    for (const item of items) {
      const row = originOf(item.serverVersion);
      if (!row || row.origin === to) continue;
      const at = this.pending.get(`${row.origin}:${row.originVersion}`);
      if (at === undefined) continue;
      now ??= this.now();
      this.observe(Math.max(0, now - at) / 1000);
    }
  }

  /** How many uploads' changesets are remembered (tests). */
  get size(): number {
    return this.pending.size;
  }

  private expire(): void {
    const horizon = this.now() - KEEP_MS;
    for (const [k, at] of this.pending) {
      if (at >= horizon) break;
      this.pending.delete(k);
    }
  }
}
