import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, api, type ServerProcess } from '../server/testing/server-process.ts';
import type { Database } from './database.ts';
import type { ClientResetConfig, ClientResetDetails } from './reset.ts';
import type { SerializedTransaction } from './transact-tx.ts';
import {
  canonical,
  cleanups,
  device,
  localObjects,
  serverObjects,
  settle,
  startServer,
  tempStore,
  TEST_TIMEOUT,
  unexpected,
  until,
  useServerDevices,
  type Device,
} from '../testing/server-devices.ts';

/*
 * Client reset and serialized transactions with the product client against the REAL server
 * process: the server's data directory restored from a backup taken earlier (recover, discard),
 * a device offline past the maximum offline time, and two devices taking the last item of a
 * stock with db.transact. Each test checks the callbacks, every device and the server.
 */

useServerDevices();

const randomPort = () => 20_000 + Math.floor(Math.random() * 20_000);

/** One server on a fixed port and data directory, so it can be stopped, restored and restarted. */
class RestorableServer {
  private constructor(
    readonly store: string,
    readonly port: number,
    public server: ServerProcess,
    private readonly extra: Record<string, unknown>,
  ) {}

  static async start(extra: Record<string, unknown> = {}): Promise<RestorableServer> {
    const store = tempStore();
    const port = randomPort();
    return new RestorableServer(store, port, await startServer({ ...extra, store, port }), extra);
  }

  /** A copy of the data directory, taken with the server stopped (as a file-level backup is). */
  async backup(): Promise<string> {
    await this.server.stop();
    const dir = mkdtempSync(join(tmpdir(), 'outpost-backup-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(this.store, dir, { recursive: true });
    this.server = await startServer({ ...this.extra, store: this.store, port: this.port });
    return dir;
  }

  /** Replaces the data directory with the backup and restarts the server on it. */
  async restore(backup: string): Promise<void> {
    await this.server.stop();
    rmSync(this.store, { recursive: true, force: true });
    cpSync(backup, this.store, { recursive: true });
    this.server = await startServer({ ...this.extra, store: this.store, port: this.port });
  }
}

interface Observed {
  before?: Record<string, unknown>[];
  afterBefore?: Record<string, unknown>[];
  after?: Record<string, unknown>[];
  details: ClientResetDetails[];
}

/** A reset config that records what onBefore and onAfter see. */
function observing(mode: ClientResetConfig['mode']): { config: ClientResetConfig<Database>; seen: Observed } {
  const seen: Observed = { details: [] };
  const plain = (xs: readonly unknown[]) => xs.map((x) => canonical(x) as Record<string, unknown>);
  return {
    seen,
    config: {
      mode,
      onBefore: async (before, details) => {
        seen.before = plain(await before.objects('WorkOrder'));
        seen.details.push(details);
      },
      onAfter: async (before, after, details) => {
        seen.afterBefore = plain(await before.objects('WorkOrder'));
        seen.after = plain(await after.objects('WorkOrder').toArray());
        seen.details.push(details);
      },
    },
  };
}

const byId = (xs: readonly Record<string, unknown>[] | undefined, id: string) => xs?.find((o) => o._id === id);

/**
 * Ana and Ben synced; a backup; a change of Ana's the server acknowledges (and Ben downloads) and
 * then loses in the restore; Ana offline writes; the restore; an administrator deletes one of
 * Ana's work orders on the restored server. Then Ana comes back.
 */
async function restoreScenario(anaReset: ClientResetConfig<Database>): Promise<{ s: RestorableServer; ana: Device; ben: Device }> {
  const s = await RestorableServer.start();
  const ana = await device(s.server, 'ana', 'ana@example.com', { clientReset: anaReset });
  const ben = await device(s.server, 'ben', 'ben@example.com');
  const wo = (id: string, user: Device) => ({ _id: id, title: id, status: 'open', assigneeId: user.user.id, region: 'north' });
  await ana.db.write((tx) => {
    tx.create('WorkOrder', wo('a1', ana));
    tx.create('WorkOrder', wo('a2', ana));
  });
  await ben.db.write((tx) => tx.create('WorkOrder', wo('b1', ben)));
  await settle([ana, ben]);

  const backup = await s.backup();
  await until('both devices to reconnect', () => ana.db.sync.connectionState === 'connected' && ben.db.sync.connectionState === 'connected');
  await ana.db.write((tx) => tx.update('WorkOrder', 'a1', { notes: 'acknowledged, then lost' }));
  await settle([ana, ben]);
  expect(byId(await localObjects(ben), 'a1')?.notes).toBe('acknowledged, then lost');

  ana.net.off();
  await ana.db.write((tx) => {
    tx.increment(tx.ref('WorkOrder', 'a1'), 'visits', 3);
    tx.list(tx.ref('WorkOrder', 'a2'), 'tasks').push({ title: 'offline task', done: false });
    tx.create('WorkOrder', wo('a3', ana));
  });
  await s.restore(backup);
  const del = await api(s.server.url, 'POST', '/api/data/WorkOrder/delete', { pk: 'a2' }, ADMIN_KEY);
  expect(del.status).toBe(200);
  return { s, ana, ben };
}

describe('client reset against a real server process', () => {
  it('restore from backup, recover: unsynced writes survive, server deletes win, the callbacks see both states, every replica converges', async () => {
    const { config, seen } = observing('recover');
    const { s, ana, ben } = await restoreScenario(config);
    ana.net.on();
    await until('the reset to finish', () => seen.after !== undefined);
    await settle([ana, ben]);

    const onServer = await serverObjects(s.server);
    // a1: the offline increment and the change the restore lost are both back (the client kept
    // its acknowledged history, and CLIENT_VERSION told it what the restored server still had).
    expect(byId(onServer, 'a1')).toMatchObject({ visits: 3, notes: 'acknowledged, then lost' });
    // a2: the administrator's delete wins over the offline list insert.
    expect(byId(onServer, 'a2')).toBeUndefined();
    // a3: created offline, recovered.
    expect(byId(onServer, 'a3')).toMatchObject({ title: 'a3' });
    expect(byId(onServer, 'b1')).toBeDefined();
    expect(canonical(await localObjects(ana))).toEqual(canonical(onServer));
    expect(canonical(await localObjects(ben))).toEqual(canonical(onServer));

    // onBefore saw the old local state; onAfter saw the same old state and the recovered one.
    expect(byId(seen.before, 'a3')).toBeDefined();
    expect(byId(seen.before, 'a2')?.tasks).toEqual([{ title: 'offline task', done: false }]);
    expect(canonical(seen.afterBefore)).toEqual(canonical(seen.before));
    expect(byId(seen.after, 'a3')).toBeDefined();
    expect(byId(seen.after, 'a2')).toBeUndefined();
    expect(seen.details.map((d) => d.mode)).toEqual(['recover', 'recover']);
    expect(seen.details[1]!.recovered).toBeGreaterThan(0);
    expect(ana.db.sync.progress.pendingUploads).toBe(0);
    expect(unexpected(ana.errors).filter((e) => !e.includes('client_reset'))).toEqual([]);
  }, TEST_TIMEOUT);

  it('restore from backup, discard: the client equals the server; onBefore still saw the unsynced writes', async () => {
    const { config, seen } = observing('discard');
    const { s, ana, ben } = await restoreScenario(config);
    ana.net.on();
    await until('the reset to finish', () => seen.after !== undefined);
    await settle([ana, ben]);

    const onServer = await serverObjects(s.server);
    expect(onServer.map((o) => o._id)).toEqual(['a1', 'b1']);
    expect(byId(onServer, 'a1')).toMatchObject({ visits: 0, notes: null });
    expect(canonical(await localObjects(ana))).toEqual(canonical(onServer));
    expect(canonical(await localObjects(ben))).toEqual(canonical(onServer));
    expect(byId(seen.before, 'a3')).toBeDefined();
    expect(byId(seen.before, 'a1')).toMatchObject({ visits: 3 });
    expect(canonical(seen.after)).toEqual(canonical(onServer));
    expect(seen.details.map((d) => d.mode)).toEqual(['discard', 'discard']);
    expect(ana.db.sync.progress.pendingUploads).toBe(0);
  }, TEST_TIMEOUT);

  it('a device offline past the maximum offline time is reset and, with recover, keeps its unsynced writes', async () => {
    const s = await RestorableServer.start({ history: { maxOfflineSeconds: 2, compactIntervalSeconds: 3600 } });
    const { config, seen } = observing('recover');
    const ana = await device(s.server, 'ana', 'ana@example.com', { clientReset: config });
    const ben = await device(s.server, 'ben', 'ben@example.com');
    await ana.db.write((tx) => tx.create('WorkOrder', { _id: 'a1', title: 'a1', status: 'open', assigneeId: ana.user.id, region: 'north' }));
    await settle([ana, ben]);

    ana.net.off();
    await ana.db.write((tx) => {
      tx.increment(tx.ref('WorkOrder', 'a1'), 'visits', 2);
      tx.update('WorkOrder', 'a1', { notes: 'written in the basement' });
    });
    // Ben keeps working while Ana is away, past the maximum offline time; then compaction runs.
    const deadline = Date.now() + 3_000;
    while (Date.now() < deadline) {
      await ben.db.write((tx) => tx.create('WorkOrder', { _id: `b${Date.now()}`, title: 'b', status: 'open', assigneeId: ben.user.id, region: 'south' }));
      await ben.db.sync.waitForUpload({ timeoutMs: 20_000 });
      await new Promise((r) => setTimeout(r, 200));
    }
    const compacted = await api(s.server.url, 'POST', '/api/admin/sync/compact', {}, ADMIN_KEY);
    expect(compacted.status).toBe(200);
    expect(compacted.json.retired).toBe(1);

    ana.net.on();
    await until('the reset to finish', () => seen.after !== undefined);
    await settle([ana, ben]);
    expect(seen.details[0]!.error?.code).toBe('bad_client_file');
    const onServer = await serverObjects(s.server);
    expect(byId(onServer, 'a1')).toMatchObject({ visits: 2, notes: 'written in the basement' });
    expect(canonical(await localObjects(ana))).toEqual(canonical(onServer));
    expect(canonical(await localObjects(ben))).toEqual(canonical(onServer));
    expect(unexpected(ben.errors)).toEqual([]);
  }, TEST_TIMEOUT);

  it('db.sync.resetClient() resets by hand: the local copy is replaced and a live query stays valid', async () => {
    const s = await RestorableServer.start();
    const { config, seen } = observing('discard');
    const ana = await device(s.server, 'ana', 'ana@example.com', { clientReset: config });
    await ana.db.write((tx) => tx.create('WorkOrder', { _id: 'a1', title: 'a1', status: 'open', assigneeId: ana.user.id, region: 'north' }));
    await settle([ana]);
    const emitted: string[][] = [];
    const sub = ana.db.objects('WorkOrder').observe().subscribe((xs) => emitted.push(xs.map((x) => String((x as { _id: string })._id))));
    cleanups.push(() => sub.unsubscribe());
    // A change made through the data API while the device is paused: it arrives with the fresh copy.
    await ana.db.sync.pause();
    await api(s.server.url, 'POST', '/api/data/WorkOrder/insert', { object: { _id: 'x1', title: 'from the office', status: 'open', assigneeId: 'office', region: 'north' } }, ADMIN_KEY);
    await ana.db.sync.resume();
    await ana.db.sync.resetClient({ mode: 'discard' });
    await until('the reset to finish', () => seen.after !== undefined);
    await settle([ana]);
    await until('the live query to show the fresh copy', () => emitted.at(-1)?.join() === 'a1,x1');
    expect(canonical(await localObjects(ana))).toEqual(canonical(await serverObjects(s.server)));
  }, TEST_TIMEOUT);
});

describe('db.transact against a real server process', () => {
  /** Takes one from the stock (`visits` plays the count), refusing to go below zero. */
  async function takeOne(tx: SerializedTransaction): Promise<void> {
    const item = await tx.get<{ visits: number }>('WorkOrder', 'stock');
    if (!item || item.visits < 1) throw new Error('out of stock');
    tx.update('WorkOrder', 'stock', { visits: item.visits - 1 });
  }

  it('two devices take the last item at once: one is applied, one rejected, the stock never goes below zero', async () => {
    const s = await RestorableServer.start({
      roles: { default: [{ name: 'everyone', applyWhen: true, read: true, write: true }] },
    });
    const ana = await device(s.server, 'ana', 'ana@example.com');
    const ben = await device(s.server, 'ben', 'ben@example.com');
    await ana.db.write((tx) => tx.create('WorkOrder', { _id: 'stock', title: 'widgets', status: 'open', assigneeId: ana.user.id, region: 'north', visits: 1 }));
    await settle([ana, ben]);

    const results = await Promise.allSettled([ana.db.transact(takeOne), ben.db.transact(takeOne)]);
    const applied = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(applied).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toMatchObject({ code: 'transaction_conflict' });
    await settle([ana, ben]);
    const [stock] = await serverObjects(s.server);
    expect(stock).toMatchObject({ _id: 'stock', visits: 0 });

    // The one that lost sees the new stock and, asked again, refuses by itself.
    const loser = results[0]!.status === 'rejected' ? ana : ben;
    await expect(loser.db.transact(takeOne)).rejects.toThrow(/out of stock/);
    expect(canonical(await localObjects(ana))).toEqual(canonical(await serverObjects(s.server)));
    expect(canonical(await localObjects(ben))).toEqual(canonical(await serverObjects(s.server)));
  }, TEST_TIMEOUT);

  it('offline, db.transact rejects at once with a clear error and writes nothing', async () => {
    const s = await RestorableServer.start();
    const ana = await device(s.server, 'ana', 'ana@example.com');
    await ana.db.write((tx) => tx.create('WorkOrder', { _id: 'stock', title: 'widgets', status: 'open', assigneeId: ana.user.id, region: 'north', visits: 5 }));
    await settle([ana]);
    ana.net.off();
    await until('the device to notice', () => ana.db.sync.connectionState !== 'connected');
    const t0 = Date.now();
    await expect(ana.db.transact(takeOne)).rejects.toMatchObject({ code: 'offline' });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect((await localObjects(ana))[0]).toMatchObject({ visits: 5 });
  }, TEST_TIMEOUT);
});
