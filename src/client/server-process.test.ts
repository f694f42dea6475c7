import { expect, describe, it } from 'vitest';
import { ADMIN_KEY, api, forgeToken, type ServerProcess } from '../server/testing/server-process.ts';
import type { Database } from './database.ts';
import { prng } from '../sim/random.ts';
import type { SyncError } from './errors.ts';
import { readJson, writeJson } from './kv.ts';
import type { PersistedUsers } from './user.ts';
import {
  canonical,
  cleanups,
  clockPast,
  device,
  type Device,
  isSubsequence,
  localObject,
  localObjects,
  Network,
  SEED,
  serverObjects,
  settle,
  startServer,
  TEST_TIMEOUT,
  unexpected,
  until,
  useServerDevices,
  WAIT,
} from '../testing/server-devices.ts';

/*
 * The product client against the REAL server process (src/testing/server-devices.ts): offline writes
 * and reconnects, subscription changes, compensating writes, tokens that expire mid-session.
 */

useServerDevices();

// ---- the tests ------------------------------------------------------------------------------------

describe('the client against a real server process', () => {
  it('offline writes from several devices converge after reconnecting, by the merge rules', async ({ onTestFailed }) => {
    onTestFailed(() => console.error(`server-process convergence test: seed ${SEED} (rerun with OUTPOST_TEST_SEED=${SEED})`));
    const rng = prng(SEED);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
    const shuffle = <T,>(xs: readonly T[]): T[] => {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    };
    // Everyone may write everything here: the test is about merging, not permissions.
    const server = await startServer({ roles: { default: [{ name: 'everyone', applyWhen: true, read: true, write: true }] } });
    // Two devices each for Ana and Ben, one for Cy (the second device of a user registers again: 409, fine).
    const devices = [await device(server, 'ana-laptop', 'ana@example.com'), await device(server, 'ben-laptop', 'ben@example.com')];
    devices.push(
      ...(await Promise.all([
        device(server, 'ana-phone', 'ana@example.com'),
        device(server, 'ben-phone', 'ben@example.com'),
        device(server, 'cy', 'cy@example.com'),
      ])),
    );
    const [first] = devices;

    // A shared starting point, seen by everyone.
    const ids = ['wo-1', 'wo-2', 'wo-3'];
    await first!.db.write((tx) => {
      for (const id of ids) {
        tx.create('WorkOrder', { _id: id, title: `${id} start`, status: 'open', assigneeId: first!.user.id, region: 'north', tasks: [{ title: `${id}/seed`, done: false }] });
      }
    });
    await settle(devices);
    for (const d of devices) expect((await localObjects(d)).map((o) => o._id)).toEqual(ids);

    // The model of what the merge rules must produce.
    const expected = new Map<string, Record<string, unknown>>(ids.map((id) => [id, { title: `${id} start`, status: 'open', notes: null, visits: 0 }]));
    const inserted = new Map<string, string[]>(ids.map((id) => [id, [`${id}/seed`]]));

    // Some devices go offline: one paused, the others by losing the network.
    const offline = shuffle(devices).slice(0, 2 + Math.floor(rng() * 2));
    const paused = offline[0]!;
    const cut = offline.slice(1);
    await paused.db.sync.pause();
    for (const d of cut) d.net.off();
    for (const d of cut) await until(`${d.name} to lose its connection`, () => d.db.sync.connectionState !== 'connected');
    const online = devices.filter((d) => !offline.includes(d));

    let last = Date.now();
    let n = 0;
    const step = async (d: Device, fn: Parameters<Database['write']>[0]) => {
      await clockPast(last + 1); // strictly later than the previous write, so "later" is script order
      await d.db.write(fn);
      last = Date.now();
    };

    // Two offline devices create the same new key with different fields: they meet as one object.
    const [c1, c2] = [offline[0]!, offline[1]!];
    await step(c1, (tx) => tx.create('WorkOrder', { _id: 'wo-new', title: `new by ${c1.name}`, status: 'open', assigneeId: c1.user.id, region: 'north', notes: `notes by ${c1.name}` }));
    await step(c2, (tx) => tx.create('WorkOrder', { _id: 'wo-new', title: `new by ${c2.name}`, status: 'assigned', assigneeId: c2.user.id, region: 'south' }));

    const randomOp = async (d: Device) => {
      const id = pick(ids);
      const tag = `${d.name}#${++n}`;
      const kind = pick(['title', 'title', 'status', 'notes', 'inc', 'inc', 'front', 'middle', 'back'] as const);
      const ref = d.db.ref('WorkOrder', id);
      switch (kind) {
        case 'title':
        case 'status':
        case 'notes':
          await step(d, (tx) => tx.update('WorkOrder', id, { [kind]: tag }));
          expected.get(id)![kind] = tag;
          return;
        case 'inc': {
          const by = 1 + Math.floor(rng() * 5);
          await step(d, (tx) => tx.increment(ref, 'visits', by));
          (expected.get(id)!.visits as number) += by;
          return;
        }
        case 'front':
        case 'middle':
        case 'back':
          // Every list starts with one element and nothing is removed, so index 1 always exists.
          await step(d, (tx) => {
            const list = tx.list(ref, 'tasks');
            const task = { title: tag, done: false };
            if (kind === 'front') list.insert(0, task);
            else if (kind === 'middle') list.insert(1, task);
            else list.push(task);
          });
          inserted.get(id)!.push(tag);
          return;
      }
    };

    // Phase 1: everyone writes, the offline devices into their local history only.
    for (let i = 0; i < 30; i++) await randomOp(pick(devices));

    // The offline devices' lists as they saw them: each must survive as a subsequence.
    const offlineLists = new Map<Device, Map<string, string[]>>();
    for (const d of offline) {
      const lists = new Map<string, string[]>();
      for (const id of ids) lists.set(id, ((await localObject(d, id))!.tasks as { title: string }[]).map((t) => t.title));
      offlineLists.set(d, lists);
    }
    // What the online devices wrote is on the server before the others come back.
    for (const d of online) await d.db.sync.waitForUpload(WAIT);

    // Phase 2: the offline devices come back one by one while the others keep writing. After
    // each, an online device loses its network right after a write, so that its upload may be
    // lost, or integrated with its acknowledgement lost: resent on reconnect, applied once.
    for (const d of shuffle(offline)) {
      if (d === paused) await d.db.sync.resume();
      else d.net.on();
      for (let i = 0; i < 3; i++) await randomOp(pick(online));
      const flaky = pick(online);
      await randomOp(flaky);
      flaky.net.off();
      await until(`${flaky.name} to lose its connection`, () => flaky.db.sync.connectionState !== 'connected');
      await randomOp(flaky);
      flaky.net.on();
    }
    await settle(devices);
    // One more round trip for everyone, so that what the last uploads caused has reached all.
    for (const d of devices) await d.db.sync.waitForDownload(WAIT);

    // Every device and the server hold the same state…
    const states = await Promise.all(devices.map(async (d) => canonical(await localObjects(d))));
    const onServer = canonical(await serverObjects(server));
    for (let i = 0; i < devices.length; i++) expect(states[i], `${devices[i]!.name} vs the server`).toEqual(onServer);

    // …and it is what the merge rules say.
    const final = await serverObjects(server);
    expect(final.map((o) => o._id)).toEqual([...ids, 'wo-new']);
    for (const id of ids) {
      const o = final.find((x) => x._id === id)!;
      const want = expected.get(id)!;
      expect(o.title, `${id}.title: the last write wins`).toBe(want.title);
      expect(o.status, `${id}.status: the last write wins`).toBe(want.status);
      expect(o.notes, `${id}.notes: the last write wins`).toBe(want.notes);
      expect(o.visits, `${id}.visits: increments add up`).toBe(want.visits);
      const titles = (o.tasks as { title: string }[]).map((t) => t.title);
      expect([...titles].sort(), `${id}.tasks: every insert, each once`).toEqual([...inserted.get(id)!].sort());
      for (const [d, lists] of offlineLists) {
        expect(isSubsequence(lists.get(id)!, titles), `${id}.tasks keeps ${d.name}'s order ${JSON.stringify(lists.get(id))} in ${JSON.stringify(titles)}`).toBe(true);
      }
    }
    const made = final.find((x) => x._id === 'wo-new')!;
    expect(made).toMatchObject({
      // Fields both creates set: the later create wins.
      title: `new by ${c2.name}`,
      status: 'assigned',
      region: 'south',
      assigneeId: c2.user.id,
      // Only the first create set it: kept.
      notes: `notes by ${c1.name}`,
    });

    for (const d of devices) {
      expect(d.db.sync.progress.pendingUploads, `${d.name} has nothing left to upload`).toBe(0);
      expect(d.db.sync.connectionState, `${d.name} is connected`).toBe('connected');
      expect(unexpected(d.errors), `${d.name} reported no errors`).toEqual([]);
    }
  }, TEST_TIMEOUT);

  it('a subscription change bootstraps the objects that enter the view and removes (not deletes) those that leave', async () => {
    const server = await startServer();
    const ana = await device(server, 'ana', 'ana@example.com');
    const ben = await device(server, 'ben', 'ben@example.com', { subscribeAll: false });

    // Ana's work orders in two regions, one of them written by the server itself (data API).
    await ana.db.write((tx) => {
      for (const [id, region] of [['n1', 'north'], ['n2', 'north'], ['s1', 'south'], ['s2', 'south']] as const) {
        tx.create('WorkOrder', { _id: id, title: id, status: 'open', assigneeId: ana.user.id, region });
      }
    });
    await ana.db.sync.waitForUpload(WAIT);
    const inserted = await api(server.url, 'POST', '/api/data/WorkOrder/insert', { object: { _id: 'n3', title: 'n3', status: 'open', assigneeId: ana.user.id, region: 'north' } }, ADMIN_KEY);
    expect(inserted.status).toBe(201);

    const ids = async (d: Device) => (await localObjects(d)).map((o) => o._id);
    await ben.db.subscriptions.update((m) => m.add('WorkOrder', 'region == $0', ['north'], { name: 'region' }));
    expect(await ids(ben)).toEqual(['n1', 'n2', 'n3']);

    // The change: north → south. Resolves once the new set is bootstrapped and marked.
    await ben.db.subscriptions.update((m) => m.add('WorkOrder', 'region == $0', ['south'], { name: 'region' }));
    expect(ben.db.subscriptions.list.map((s) => s.args)).toEqual([['south']]);
    expect(await ids(ben)).toEqual(['s1', 's2']);
    expect(ben.db.sync.progress.pendingUploads, 'leaving the view recorded nothing to upload').toBe(0);

    // Another client's change moves objects in and out of Ben's view.
    await ana.db.write((tx) => {
      tx.update('WorkOrder', 'n1', { region: 'south' });
      tx.update('WorkOrder', 's2', { region: 'north' });
    });
    await ana.db.sync.waitForUpload(WAIT);
    await ben.db.sync.waitForDownload(WAIT);
    expect(await ids(ben)).toEqual(['n1', 's1']);
    expect((await localObject(ben, 'n1'))?.title).toBe('n1');

    // A reconnect uploads nothing either: the removals were never in Ben's history.
    await ben.db.sync.pause();
    await ben.db.sync.resume();
    await ben.db.sync.waitForUpload(WAIT);
    await ben.db.sync.waitForDownload(WAIT);
    await ana.db.sync.waitForDownload(WAIT);
    expect(await ids(ben)).toEqual(['n1', 's1']);

    // Nothing was deleted anywhere: the server and Ana still have all five.
    const all = ['n1', 'n2', 'n3', 's1', 's2'];
    const onServer = await serverObjects(server);
    expect(onServer.map((o) => o._id)).toEqual(all);
    expect(onServer.map((o) => o.region)).toEqual(['south', 'north', 'north', 'south', 'north']);
    expect(await ids(ana)).toEqual(all);
    expect(canonical(await localObjects(ana))).toEqual(canonical(onServer));
    expect(canonical(await localObjects(ben))).toEqual(canonical(onServer.filter((o) => o.region === 'south')));

    // A change made offline is sent (in IDENT) when the session connects, and bootstraps then.
    await ben.db.sync.pause();
    await ben.db.subscriptions.update((m) => m.add('WorkOrder', 'region == $0', ['north'], { name: 'region' }), { wait: false });
    expect(await ids(ben), 'nothing changes before the server answers').toEqual(['n1', 's1']);
    await ben.db.sync.resume();
    await ben.db.subscriptions.waitForSynchronization(WAIT.timeoutMs);
    expect(ben.db.subscriptions.state).toBe('complete');
    expect(await ids(ben)).toEqual(['n2', 'n3', 's2']);
    await ben.db.sync.waitForUpload(WAIT);
    expect(ben.db.sync.progress.pendingUploads).toBe(0);
    expect((await serverObjects(server)).map((o) => o._id)).toEqual(all);
    expect(canonical(await localObjects(ben))).toEqual(canonical(onServer.filter((o) => o.region === 'north')));

    expect(unexpected(ana.errors)).toEqual([]);
    expect(unexpected(ben.errors)).toEqual([]);
  }, TEST_TIMEOUT);

  it('a write outside permission is reverted locally and reported, and the rest of the batch is kept', async () => {
    // The base config's role: everyone reads everything, writes only where assigneeId == %%user.id.
    const server = await startServer();
    const ana = await device(server, 'ana', 'ana@example.com');
    const ben = await device(server, 'ben', 'ben@example.com');
    await ana.db.write((tx) => tx.create('WorkOrder', { _id: 'a1', title: 'ana’s', status: 'open', assigneeId: ana.user.id, region: 'north' }));
    await ben.db.write((tx) => tx.create('WorkOrder', { _id: 'b1', title: 'ben’s', status: 'open', assigneeId: ben.user.id, region: 'north' }));
    await settle([ana, ben]);
    const before = await serverObjects(server);

    // Offline, so that both writes go up in one UPLOAD.
    await ben.db.sync.pause();
    await ben.db.write((tx) => {
      tx.update('WorkOrder', 'b1', { title: 'ben’s, edited' }); // allowed
      tx.create('WorkOrder', { _id: 'b2', title: 'new', status: 'open', assigneeId: ben.user.id, region: 'south' }); // allowed
      tx.update('WorkOrder', 'a1', { title: 'taken over by ben' }); // denied: not his
      tx.create('WorkOrder', { _id: 'x1', title: 'for ana', status: 'open', assigneeId: ana.user.id, region: 'south' }); // denied: not his
    });
    await ben.db.write((tx) => {
      tx.increment(tx.ref('WorkOrder', 'b1'), 'visits', 2); // allowed
      tx.update('WorkOrder', 'a1', { notes: 'ben was here' }); // denied
    });
    // The optimistic state.
    expect((await localObject(ben, 'a1'))).toMatchObject({ title: 'taken over by ben', notes: 'ben was here' });
    expect(await localObject(ben, 'x1')).not.toBeNull();

    const reported = new Promise<SyncError>((resolve) => {
      const stop = ben.db.onError((e) => {
        if (e.code === 'compensating_write') {
          stop();
          resolve(e);
        }
      });
    });
    await ben.db.sync.resume();
    const err = await reported;
    expect(err.action).toBe('none');
    const rejected = err.compensatingWrites.map((w) => w.pk).sort();
    expect(rejected).toEqual(expect.arrayContaining(['a1', 'x1']));
    expect(rejected).not.toContain('b1');
    expect(rejected).not.toContain('b2');
    for (const w of err.compensatingWrites) {
      expect(w.type).toBe('WorkOrder');
      expect(w.reason).toMatch(/permission/);
    }
    expect(err.message.length).toBeGreaterThan(0);

    await settle([ana, ben]);
    // Ben's optimistic changes to what is not his are undone…
    const a1 = await localObject(ben, 'a1');
    expect(a1).toMatchObject({ title: 'ana’s', notes: null, assigneeId: ana.user.id });
    expect(await localObject(ben, 'x1')).toBeNull();
    // …and the rest of the upload is kept, here and on the server.
    expect(await localObject(ben, 'b1')).toMatchObject({ title: 'ben’s, edited', visits: 2 });
    expect(await localObject(ben, 'b2')).toMatchObject({ title: 'new', assigneeId: ben.user.id });
    const after = await serverObjects(server);
    expect(after.map((o) => o._id)).toEqual(['a1', 'b1', 'b2']);
    expect(canonical(after.find((o) => o._id === 'a1'))).toEqual(canonical(before.find((o) => o._id === 'a1')));
    expect(after.find((o) => o._id === 'b1')).toMatchObject({ title: 'ben’s, edited', visits: 2 });
    expect(canonical(await localObjects(ben))).toEqual(canonical(after));
    expect(canonical(await localObjects(ana))).toEqual(canonical(after));
    expect(ben.db.sync.progress.pendingUploads).toBe(0);
    expect(unexpected(ben.errors).filter((e) => !e.startsWith('compensating_write'))).toEqual([]);
    expect(unexpected(ana.errors)).toEqual([]);
  }, TEST_TIMEOUT);

  /*
   * A write denied because of the state it leaves (Ben hands his own work order to Ana) is
   * reverted by the server with a changeset private to Ben. Ben's next changeset, made before the
   * revert reached him and allowed, is concurrent with that revert: the revert rewrites only the
   * field the denied write touched, so the increment, the note and the list insert all survive.
   */
  it('an allowed write made after a rejected one on the same object is kept', async () => {
    const server = await startServer();
    const ana = await device(server, 'ana', 'ana@example.com');
    const ben = await device(server, 'ben', 'ben@example.com');
    await ben.db.write((tx) =>
      tx.create('WorkOrder', { _id: 'b3', title: 'b3', status: 'open', assigneeId: ben.user.id, region: 'north', tasks: [{ title: 'one', done: false }] }),
    );
    await settle([ana, ben]);

    await ben.db.sync.pause();
    await ben.db.write((tx) => tx.update('WorkOrder', 'b3', { assigneeId: ana.user.id })); // denied: not his to give away
    await ben.db.write((tx) => {
      // allowed: b3 is still Ben's on the server
      const b3 = tx.ref('WorkOrder', 'b3');
      tx.increment(b3, 'visits', 5);
      tx.update('WorkOrder', 'b3', { notes: 'kept' });
      tx.list(b3, 'tasks').push({ title: 'two', done: false });
    });
    const reported = new Promise<SyncError>((resolve) => {
      const stop = ben.db.onError((e) => {
        if (e.code === 'compensating_write') {
          stop();
          resolve(e);
        }
      });
    });
    await ben.db.sync.resume();
    expect((await reported).compensatingWrites.map((w) => w.pk)).toEqual(['b3']);
    await settle([ana, ben]);

    const want = { assigneeId: ben.user.id, visits: 5, notes: 'kept', tasks: [{ title: 'one', done: false }, { title: 'two', done: false }] };
    const onServer = await serverObjects(server);
    expect(onServer).toHaveLength(1);
    expect(onServer[0]).toMatchObject(want);
    expect(canonical(await localObjects(ben))).toEqual(canonical(onServer));
    expect(canonical(await localObjects(ana))).toEqual(canonical(onServer));
  }, TEST_TIMEOUT);

  it('an access token that expires mid-session is refreshed and nothing written before, during or after is lost', async () => {
    // Short-lived access tokens (the shortest lifetimes the config allows are under the client's
    // default 60 s refresh lead).
    const server = await startServer({}, { accessTokenTtlSeconds: 40 });
    const watcher = await device(server, 'ana-2', 'ana@example.com');
    const watcherSince = Date.now();
    let forged = '';
    let originalRefresh = '';
    // Ana's device believes its access token is good for 10 minutes, but the server lets it live
    // 6 seconds (a device clock behind the server's, or a device that slept through its refresh).
    // Its refreshes are held from the start, so the token it opens with is the one that expires.
    const net = new Network();
    net.holdRefreshes();
    cleanups.push(() => net.releaseRefresh());
    const ana = await device(server, 'ana', 'ana@example.com', {
      net,
      beforeOpen: async (storage, appId) => {
        const key = `outpost:${appId}:users`;
        const users = readJson<PersistedUsers>(storage, key)!;
        const [id, u] = Object.entries(users.users)[0]!;
        forged = await forgeToken(id, { expiresInSeconds: 6 });
        originalRefresh = u.tokens.refreshToken;
        users.users[id] = { ...u, tokens: { ...u.tokens, accessToken: forged, accessTokenExpiresAt: Date.now() + 10 * 60_000 } };
        writeJson(storage, key, users);
      },
    });
    expect(ana.user.accessToken).toBe(forged);
    const states: string[] = [];
    const sub = ana.db.sync.connectionState$.subscribe((s) => states.push(s));
    cleanups.push(() => sub.unsubscribe());

    // Before: written and acknowledged on the token that is about to run out.
    await ana.db.write((tx) => tx.create('WorkOrder', { _id: 't1', title: 'before', status: 'open', assigneeId: ana.user.id, region: 'north' }));
    await ana.db.sync.waitForUpload(WAIT);
    await ana.db.write((tx) => tx.increment(tx.ref('WorkOrder', 't1'), 'visits', 1));
    await ana.db.sync.waitForUpload(WAIT);
    expect(net.refreshes, 'acknowledged on the first token').toEqual([]);

    // The server ends the session (token_expired); the client asks for a new token, held here.
    await until('the client to ask for a new access token', () => net.refreshHeld);
    expect(ana.db.sync.connectionState).not.toBe('connected');

    // During: written while the session is down for the refresh.
    await ana.db.write((tx) => {
      tx.increment(tx.ref('WorkOrder', 't1'), 'visits', 10);
      tx.update('WorkOrder', 't1', { notes: 'during' });
      tx.create('WorkOrder', { _id: 't2', title: 'during', status: 'open', assigneeId: ana.user.id, region: 'north' });
    });
    expect(ana.db.sync.progress.pendingUploads).toBeGreaterThan(0);

    net.releaseRefresh();
    await until('the session to reconnect', () => ana.db.sync.connectionState === 'connected');
    await ana.db.sync.waitForUpload(WAIT);

    // After.
    await ana.db.write((tx) => {
      tx.increment(tx.ref('WorkOrder', 't1'), 'visits', 100);
      tx.create('WorkOrder', { _id: 't3', title: 'after', status: 'open', assigneeId: ana.user.id, region: 'north' });
    });
    await settle([ana, watcher]);

    // The refresh really happened over HTTP, and the user is still logged in. A 40 s token is
    // refreshed in its second half, not at once and again every second.
    expect(net.refreshes.length).toBeGreaterThanOrEqual(1);
    const gaps = (since: number, times: readonly number[]) => times.map((t, i) => t - (i === 0 ? since : times[i - 1]!));
    for (const gap of gaps(net.refreshes[0]!, net.refreshes.slice(1))) expect(gap, 'time between refreshes').toBeGreaterThanOrEqual(15_000);
    for (const gap of gaps(watcherSince, watcher.net.refreshes)) expect(gap, 'time before a refresh').toBeGreaterThanOrEqual(15_000);
    expect(ana.user.isLoggedIn).toBe(true);
    expect(ana.user.accessToken).not.toBe(forged);
    expect(ana.user.refreshToken).not.toBe(originalRefresh);
    expect(states).toContain('connected');
    expect(states.indexOf('connected')).toBeLessThan(states.lastIndexOf('connected'));

    const onServer = await serverObjects(server);
    expect(onServer.map((o) => o._id)).toEqual(['t1', 't2', 't3']);
    expect(onServer[0]).toMatchObject({ title: 'before', notes: 'during', visits: 111 });
    expect(canonical(await localObjects(ana))).toEqual(canonical(onServer));
    expect(canonical(await localObjects(watcher))).toEqual(canonical(onServer));
    expect(ana.db.sync.progress.pendingUploads).toBe(0);
    expect(unexpected(ana.errors)).toEqual([]);
    expect(unexpected(watcher.errors)).toEqual([]);
  }, TEST_TIMEOUT);
});
