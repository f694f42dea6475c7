import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterEach, beforeEach } from 'vitest';
import {
  ADMIN_KEY,
  api,
  AUDIENCE,
  baseConfig,
  ISSUER,
  JWT_SECRET,
  startServerProcess,
  workOrderSchema,
  type ServerProcess,
} from '../server/testing/server-process.ts';
import { headerSockets, type SocketFactory, type SocketLike } from '../worker/transport.ts';
import { App } from '../client/app.ts';
import { Credentials } from '../client/credentials.ts';
import type { Database } from '../client/database.ts';
import type { SyncError } from '../client/errors.ts';
import type { FetchLike } from '../client/http.ts';
import { MemoryKeyValueStore } from '../client/kv.ts';
import type { ClientResetConfig } from '../client/reset.ts';
import type { User } from '../client/user.ts';
import { freshIndexedDb, uniqueAppId } from '../client/testing/fixtures.ts';
import { prng } from '../sim/random.ts';

/*
 * Devices for tests of the product client (App, Credentials.emailPassword, app.open:
 * fake-indexeddb, the worker in-process, the `ws` WebSocket) against the REAL server process:
 * bin/outpost-server.js with a config file, its HTTP auth (scrypt passwords, rotating refresh
 * tokens), its sync engine and its embedded store. Each test starts its own server and checks
 * the final state of every client AND of the server (read through the data API with the admin
 * key). Test files call `useServerDevices()` once.
 *
 * "Offline" is simulated two ways: `db.sync.pause()`, and a per-device network switch that cuts the
 * open socket, refuses new ones and fails HTTP, so that the session's reconnect loop and backoff
 * run for real. Waits are on conditions (acknowledgements, MARK round trips, states), with
 * timeouts only as guards. Not exported from the testing index: it needs the repository's server.
 */

export const PASSWORD = 'correct horse battery staple';
/** Fast reconnects; the seeded `random` (below) makes the jitter reproducible too. */
export const TIMINGS = { initialBackoffMs: 40, maxBackoffMs: 300 };
export const WAIT = { timeoutMs: 20_000 };
/**
 * Each test takes a few seconds; the limit is above server-process.ts's own 60 s start-up limit so
 * that a server that cannot start fails with its output rather than a bare timeout.
 */
export const TEST_TIMEOUT = 90_000;

// ---- seeded randomness --------------------------------------------------------------------------

export const SEED = Number(process.env.OUTPOST_TEST_SEED ?? 0x5eed0005);

// ---- conditions, not sleeps ---------------------------------------------------------------------

export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = WAIT.timeoutMs): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until the wall clock has moved past `t` (HLC timestamps then order later writes after earlier ones). */
export async function clockPast(t: number): Promise<void> {
  while (Date.now() <= t) await new Promise((r) => setTimeout(r, 1));
}

// ---- servers --------------------------------------------------------------------------------------

/** Run after each test, last pushed first. */
export const cleanups: (() => Promise<void> | void)[] = [];

/** What the failing test's devices and servers were doing (printed when a test fails). */
const opened: { devices: Device[]; servers: ServerProcess[] } = { devices: [], servers: [] };

function diagnostics(): string {
  const lines: string[] = [];
  for (const d of opened.devices) {
    lines.push(
      `${d.name}: ${d.db.sync.connectionState}, fileIdent ${d.db.sync.fileIdent}, progress ${JSON.stringify(d.db.sync.progress)}, ` +
        `subscriptions v${d.db.subscriptions.version} ${d.db.subscriptions.state}, errors ${JSON.stringify(d.errors.map((e) => `${e.code}/${e.action}: ${e.message}`))}`,
    );
  }
  for (const s of opened.servers) lines.push(`server output:\n${s.output().slice(-4000)}`);
  return lines.join('\n');
}

/** Registers the hooks of a test file that uses these devices: cleanups, and diagnostics on failure. */
export function useServerDevices(): void {
  beforeEach(({ task, onTestFailed }) => {
    opened.devices = [];
    opened.servers = [];
    // (Not for a test marked `it.fails`: its failure is the expected outcome.)
    if (!task.fails) onTestFailed(() => console.error(diagnostics()));
  });
  afterEach(async () => {
    // Clients first (they UNBIND), then the servers, then the temp dirs; every step runs.
    const errors: unknown[] = [];
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw errors[0];
  });
}

/** A data directory removed after the test. */
export function tempStore(): string {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-client-proc-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Starts a server process on a new data directory, or on `extra.store` (a restart on the same
 * data, with `extra.port` to keep the URL the devices know).
 */
export async function startServer(extra: Record<string, unknown> = {}, tokens: Record<string, unknown> = {}): Promise<ServerProcess> {
  const dir = typeof extra.store === 'string' ? extra.store : tempStore();
  const server = await startServerProcess(
    baseConfig(dir, {
      // Cheaper password hashing (the minimum the config allows) keeps logins fast.
      auth: { tokens: { secret: JWT_SECRET, issuer: ISSUER, audience: AUDIENCE, ...tokens }, password: { scryptN: 2 ** 16 } },
      ...extra,
    }),
  );
  cleanups.push(() => server.stop());
  opened.servers.push(server);
  return server;
}

/** The server's objects of a type, through the data API as the admin (plain JSON values). */
export async function serverObjects(server: ServerProcess, type = 'WorkOrder'): Promise<Record<string, unknown>[]> {
  const r = await api(server.url, 'POST', `/api/data/${type}/query`, { query: 'TRUEPREDICATE', limit: 10_000 }, ADMIN_KEY);
  if (r.status !== 200) throw new Error(`data API query failed: ${r.status} ${JSON.stringify(r.json)}`);
  return sortById(r.json.objects as Record<string, unknown>[]);
}

// ---- devices ------------------------------------------------------------------------------------

/** A device's network: a switch that cuts sockets and HTTP, and a gate that can hold token refreshes. */
export class Network {
  online = true;
  private readonly open = new Set<WebSocket>();
  private readonly inner = headerSockets(WebSocket as never);
  /** When each token refresh was asked for (Date.now()). */
  readonly refreshes: number[] = [];
  private held: { release: () => void } | undefined;
  private holding = false;

  readonly sockets: SocketFactory = (url, token) => {
    if (!this.online) return deadSocket();
    const ws = this.inner(url, token) as unknown as WebSocket;
    this.open.add(ws);
    ws.on('close', () => this.open.delete(ws));
    return ws as unknown as SocketLike;
  };

  readonly fetch: FetchLike = async (input, init) => {
    if (!this.online) throw new TypeError('fetch failed (network off)');
    if (input.endsWith('/api/auth/refresh')) {
      this.refreshes.push(Date.now());
      if (this.holding) await new Promise<void>((release) => (this.held = { release }));
    }
    return fetch(input, init);
  };

  off(): void {
    this.online = false;
    for (const ws of this.open) ws.terminate();
  }

  on(): void {
    this.online = true;
  }

  /** From now on, token refreshes wait until `releaseRefresh()`. */
  holdRefreshes(): void {
    this.holding = true;
  }

  get refreshHeld(): boolean {
    return this.held !== undefined;
  }

  releaseRefresh(): void {
    this.holding = false;
    this.held?.release();
    this.held = undefined;
  }
}

/** A connection attempt with the network off: it closes without ever opening. */
export function deadSocket(): SocketLike {
  const s: SocketLike = {
    readyState: 3,
    send: () => {},
    close: () => {},
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  setTimeout(() => s.onclose?.({ code: 1006, reason: '' }), 5);
  return s;
}

export interface Device {
  readonly name: string;
  readonly app: App;
  readonly user: User;
  readonly db: Database;
  readonly net: Network;
  readonly storage: MemoryKeyValueStore;
  /** Every error `onError` reported. */
  readonly errors: SyncError[];
}

export interface DeviceOptions {
  /** The device's network (default: a new one, on). */
  readonly net?: Network;
  readonly subscribeAll?: boolean;
  /** Edits the stored user (tokens) between the login and the open, as a reload would find it. */
  readonly beforeOpen?: (storage: MemoryKeyValueStore, appId: string) => Promise<void> | void;
  readonly clientReset?: ClientResetConfig<Database>;
  /** The device's wall clock for timestamps (a device whose clock is off). */
  readonly now?: () => number;
}

/**
 * One device of one user: registers the email (once) and logs in with Credentials.emailPassword
 * against the server's HTTP auth, then opens the database the way an app does.
 */
export async function device(server: ServerProcess, name: string, email: string, options: DeviceOptions = {}): Promise<Device> {
  const net = options.net ?? new Network();
  const storage = new MemoryKeyValueStore();
  const appId = uniqueAppId(name);
  const make = () =>
    new App({
      baseUrl: server.url,
      appId,
      storage,
      fetch: net.fetch,
      inProcess: { indexedDB: freshIndexedDb(), sockets: net.sockets, random: prng(SEED ^ hash(name)), ...(options.now ? { now: options.now } : {}) },
    });
  let app = make();
  try {
    await app.emailPasswordAuth.registerUser({ email, password: PASSWORD });
  } catch (err) {
    if ((err as { code?: string }).code !== 'user_exists') throw err;
  }
  let user = await app.logIn(Credentials.emailPassword(email, PASSWORD));
  if (options.beforeOpen) {
    await options.beforeOpen(storage, appId);
    app = make(); // a "reload": the App reads its users back from storage
    user = app.currentUser!;
  }
  const errors: SyncError[] = [];
  const db: Database = await app.open({
    schema: workOrderSchema,
    sync: {
      user,
      timings: TIMINGS,
      onError: (e) => errors.push(e),
      ...(options.clientReset ? { clientReset: options.clientReset } : {}),
      ...(options.subscribeAll !== false
        ? { initialSubscriptions: (subs) => subs.add('WorkOrder', 'TRUEPREDICATE', [], { name: 'all' }) }
        : {}),
    },
  });
  cleanups.push(() => db.close());
  const d: Device = { name, app, user, db, net, storage, errors };
  opened.devices.push(d);
  if (options.subscribeAll !== false) await db.subscriptions.waitForSynchronization(WAIT.timeoutMs);
  return d;
}

export function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

// ---- states ---------------------------------------------------------------------------------------

export function sortById<T extends Record<string, unknown>>(objects: T[]): T[] {
  return [...objects].sort((a, b) => (String(a._id) < String(b._id) ? -1 : String(a._id) > String(b._id) ? 1 : 0));
}

/** Plain, key-sorted JSON of a value (snapshots and data-API objects compare equal when they hold the same). */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = canonical((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

export async function localObjects(d: Device): Promise<Record<string, unknown>[]> {
  return sortById((await d.db.objects('WorkOrder').toArray()) as Record<string, unknown>[]);
}

export async function localObject(d: Device, id: string): Promise<Record<string, any> | null> {
  return (await d.db.object('WorkOrder', id).get()) as Record<string, any> | null;
}

/** Everything written locally is acknowledged, then everything on the server is downloaded, on every device. */
export async function settle(devices: readonly Device[]): Promise<void> {
  for (const d of devices) await d.db.sync.waitForUpload(WAIT);
  for (const d of devices) await d.db.sync.waitForDownload(WAIT);
}

export function isSubsequence(needle: readonly string[], hay: readonly string[]): boolean {
  let i = 0;
  for (const x of hay) if (i < needle.length && x === needle[i]) i++;
  return i === needle.length;
}

/** Errors other than transient connection trouble (which the client retries on its own). */
export function unexpected(errors: readonly SyncError[]): string[] {
  return errors.filter((e) => e.action !== 'retry').map((e) => `${e.code}/${e.action}: ${e.message}`);
}

