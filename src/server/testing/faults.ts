import { expect } from 'vitest';
import type { ObjectState } from '../../changeset/index.ts';
import { everything, schema, user } from './server-process.ts';
import { ProtocolClient } from './protocol-client.ts';
import type { ErrorMessage } from '../../protocol/index.ts';

/*
 * Test support for the fault-injection suite: protocol clients that keep writing and keep
 * reconnecting (as the product's client does) while a fault is on, and the acknowledged-write
 * checker.
 *
 * Each writer makes changesets that each create one object `<tag>-<n>` and increment the counter
 * of its own object `<tag>` by one. So on the server, for each writer:
 *  - an acknowledged changeset (the server returned its client version in a cursor) must be there:
 *    object `<tag>-<n>` exists for every n up to the acknowledged version (0 lost);
 *  - a changeset integrated twice would increment the counter twice: the counter must equal the
 *    number of `<tag>-…` objects (0 duplicated), and once everything is uploaded, both equal the
 *    number written.
 */

/** Sizes: reduced in `npm test`, full with OUTPOST_FAULTS=full (`npm run faults`). */
export const FULL = process.env.OUTPOST_FAULTS === 'full';

export function size(reduced: number, full: number): number {
  return FULL ? full : reduced;
}

/** Prints a line of the fault report (collected into docs/reliability.md by hand). */
export function report(fault: string, facts: Record<string, unknown>): void {
  console.log(`[fault] ${fault} ${JSON.stringify(facts)}`);
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Each writer's acknowledged count now (what the checker holds the server to). */
export function acknowledgedNow(writers: readonly Writer[]): Map<Writer, number> {
  return new Map(writers.map((w) => [w, w.acknowledged]));
}

/**
 * Waits until every writer has drained its queue and every replica equals the server's data;
 * returns how long it took (the liveness figure).
 */
export async function converge(writers: readonly Writer[], wsUrl: string, token: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  const deadline = start + timeoutMs;
  for (;;) {
    const left = () => Math.max(1, deadline - Date.now());
    await Promise.all(writers.map((w) => w.drain(left())));
    const drained = Date.now() - start;
    // A MARK round trip: each replica has everything the server had when it answered.
    await Promise.all(writers.map((w) => Promise.race([w.client.sync().catch(() => {}), new Promise((r) => setTimeout(r, left()))])));
    const server = snapshot(await serverCopy(wsUrl, token));
    if (process.env.OUTPOST_FAULTS_TRACE) console.log(`converge: drained at ${drained} ms, compared at ${Date.now() - start} ms`);
    if (writers.every((w) => w.client.connected && snapshot(w.client.state) === server)) return Date.now() - start;
    if (Date.now() > deadline) {
      const differ = writers.filter((w) => snapshot(w.client.state) !== server).map((w) => {
        const mine = new Set(snapshot(w.client.state).split('\n'));
        const theirs = new Set(server.split('\n'));
        return { tag: w.tag, connected: w.client.connected, onlyHere: [...mine].filter((r) => !theirs.has(r)).slice(0, 3), onlyOnServer: [...theirs].filter((r) => !mine.has(r)).slice(0, 3) };
      });
      throw new Error(`the replicas did not converge within ${timeoutMs} ms: ${JSON.stringify(differ)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class Writer {
  readonly client: ProtocolClient;
  /** Changesets written (the last client version). */
  written = 0;
  /** The changeset that created this writer's counter object is client version 1. */
  private readonly first = 1;
  private timer: ReturnType<typeof setInterval> | undefined;
  private reconnecting: Promise<void> | undefined;
  private stopped = false;
  reconnects = 0;
  /** Bytes of `notes` each changeset carries (a heavier load for the disk-full test). */
  payloadBytes = 0;
  /** The last ways its connections ended (for a failing test's message). */
  private readonly closes: string[] = [];

  private constructor(
    readonly tag: string,
    readonly userId: string,
    private token: string,
    url: string,
    private readonly httpUrl: string,
  ) {
    this.client = new ProtocolClient({ schema, url, token });
  }

  /** Logs a user in over `httpUrl` and connects to `wsUrl`, subscribed to everything. */
  static async open(tag: string, httpUrl: string, wsUrl: string): Promise<Writer> {
    const u = await user(httpUrl, `${tag}@faults.example`);
    const w = new Writer(tag, u.userId, u.accessToken, wsUrl, httpUrl);
    await w.client.connect();
    await w.client.subscribe(everything);
    w.client.write([
      { op: 'CreateObject', type: 'WorkOrder', pk: tag },
      { op: 'Set', type: 'WorkOrder', pk: tag, path: ['assigneeId'], value: u.userId },
    ]);
    await w.client.sync();
    return w;
  }

  /** Changesets the server acknowledged (beyond the first). */
  get acknowledged(): number {
    return Math.max(0, this.client.cursor.clientVersion - this.first);
  }

  get pending(): number {
    return this.client.local.length;
  }

  /** Writes one changeset (an object and an increment), uploaded now or when connected. */
  writeOne(): void {
    this.written++;
    const pk = `${this.tag}-${this.written}`;
    this.client.write([
      { op: 'CreateObject', type: 'WorkOrder', pk },
      { op: 'Set', type: 'WorkOrder', pk, path: ['assigneeId'], value: this.userId },
      { op: 'AddInteger', type: 'WorkOrder', pk: this.tag, path: ['visits'], value: 1 },
      ...(this.payloadBytes > 0 ? [{ op: 'Set' as const, type: 'WorkOrder', pk, path: ['notes'], value: 'n'.repeat(this.payloadBytes) }] : []),
    ]);
  }

  /** Writes `perTick` changesets every `everyMs`, and reconnects whenever the connection is gone. */
  start(everyMs: number, perTick = 1, maxPending = 200): void {
    this.stopped = false;
    this.timer = setInterval(() => {
      // A person offline makes tens of changes, not tens of thousands: the queue is bounded.
      for (let i = 0; i < perTick && this.pending < maxPending; i++) this.writeOne();
      this.keepConnected();
    }, everyMs);
  }

  /** Stops writing; keeps reconnecting until `close`. */
  stopWriting(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => this.keepConnected(), 50);
  }

  keepConnected(): void {
    if (this.stopped || this.client.connected || this.reconnecting) return;
    this.reconnects++;
    this.closes.push(JSON.stringify(this.client.closedWith ?? 'none'));
    if (this.closes.length > 6) this.closes.splice(0, this.closes.length - 6);
    this.reconnecting = this.client
      .open(this.token, 5_000)
      .catch(async (err: Error) => {
        this.closes.push(err.message);
        // A long run outlives the access token: log in again, as the app would refresh it.
        if (err.message.includes('HTTP 401')) this.token = (await user(this.httpUrl, `${this.tag}@faults.example`).catch(() => ({ accessToken: this.token }))).accessToken;
        return new Promise<void>((r) => setTimeout(r, 100));
      })
      .finally(() => (this.reconnecting = undefined));
  }

  /** Resolves when everything written is acknowledged (reconnecting as needed). */
  async drain(timeoutMs: number): Promise<void> {
    await waitFor(`${this.tag} to drain its upload queue`, () => {
      this.keepConnected();
      return this.client.connected && this.pending === 0 && this.client.cursor.clientVersion === this.written + this.first;
    }, timeoutMs);
  }

  /** The ERROR messages its connections received. */
  errors(): readonly ErrorMessage[] {
    return this.client.errors;
  }

  /** What a failing test prints about this writer. */
  describe(): Record<string, unknown> {
    const c = this.client;
    return { tag: this.tag, written: this.written, acknowledged: this.acknowledged, pending: this.pending, connected: c.connected, reconnects: this.reconnects, closes: this.closes, errors: c.errors.slice(-3) };
  }

  close(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.client.disconnect();
  }
}

/** The objects of a replica as sorted JSON, for comparing replicas. */
export function snapshot(state: ObjectState): string {
  const rows = [...state.objects('WorkOrder')].map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
  return rows.join('\n');
}

/** Logs in (once: scrypt is slow) the user that reads the server's data for the checks. */
export async function checkerToken(httpUrl: string): Promise<string> {
  return (await user(httpUrl, 'checker@faults.example')).accessToken;
}

/** A fresh reader's copy of the server's data (a new client file, bootstrapped from scratch). */
export async function serverCopy(wsUrl: string, token: string): Promise<ObjectState> {
  const c = new ProtocolClient({ schema, url: wsUrl, token });
  // Generous waits: on a loaded machine a bootstrap of everything can take a while.
  try {
    await c.open(token, 30_000);
    await c.until(() => c.fileIdent !== undefined, 60_000);
    const version = c.requestSubscriptions(everything);
    await c.until(() => c.queryVersionComplete >= version, 60_000);
    return c.state;
  } finally {
    c.disconnect();
  }
}

/**
 * The acknowledged-write check against the server's data: for each writer, every acknowledged
 * changeset is there (0 lost) and none is there twice (0 duplicated). With `complete`, every
 * written changeset must be there exactly once.
 */
export function checkWrites(
  state: ObjectState,
  writers: readonly Writer[],
  acknowledged: ReadonlyMap<Writer, number>,
  complete: boolean,
): { lost: number; duplicated: number; torn: number } {
  let lost = 0;
  let duplicated = 0;
  let torn = 0;
  for (const w of writers) {
    const objects = [...state.objects('WorkOrder')].filter((r) => (r._id as string).startsWith(`${w.tag}-`)).length;
    const counter = (state.get('WorkOrder', w.tag)?.visits as number | undefined) ?? 0;
    const acked = acknowledged.get(w) ?? 0;
    for (let n = 1; n <= acked; n++) if (!state.get('WorkOrder', `${w.tag}-${n}`)) lost++;
    if (counter > objects) duplicated += counter - objects;
    // An object without its increment: a changeset applied in part.
    if (counter < objects) torn += objects - counter;
    if (complete) {
      expect(objects, `${w.tag}: objects`).toBe(w.written);
      expect(counter, `${w.tag}: counter`).toBe(w.written);
    }
  }
  return { lost, duplicated, torn };
}
