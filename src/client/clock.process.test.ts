import { describe, expect, it } from 'vitest';
import { device, localObject, Network, serverObjects, settle, startServer, TEST_TIMEOUT, unexpected, until, useServerDevices, WAIT } from './testing/server-devices.ts';

/*
 * Devices whose wall clocks are hours off, against the real server process. The server refuses
 * timestamps more than its clock bound ahead of its own clock (clock_skew); the client corrects
 * its clock from the server's time, restamps what was refused and uploads it again, so nothing
 * is lost, nothing loops, and later writes are ordered by real time whatever the device clocks.
 */

useServerDevices();

const HOURS = 3_600_000;

describe('devices with wrong clocks', () => {
  it('a device 5 h ahead and one 5 h behind both sync, lose nothing, and their later writes are ordered by real time', async () => {
    const server = await startServer({ roles: { default: [{ name: 'everyone', applyWhen: true, read: true, write: true }] } });
    const observer = await device(server, 'observer', 'obs@example.com');

    // Both devices write before they ever heard the server's time (a new file without
    // subscriptions gets no DOWNLOAD): the one ahead stamps 5 h in the future.
    const aheadNet = new Network();
    const behindNet = new Network();
    const ahead = await device(server, 'ahead', 'ana@example.com', { net: aheadNet, subscribeAll: false, now: () => Date.now() + 5 * HOURS });
    const behind = await device(server, 'behind', 'ben@example.com', { net: behindNet, subscribeAll: false, now: () => Date.now() - 5 * HOURS });
    aheadNet.off();
    behindNet.off();
    await ahead.db.write((tx) => tx.create('WorkOrder', { _id: 'a1', title: 'from the future', status: 'open', assigneeId: ahead.user.id, region: 'north' }));
    await behind.db.write((tx) => tx.create('WorkOrder', { _id: 'b1', title: 'from the past', status: 'open', assigneeId: behind.user.id, region: 'north' }));

    for (const d of [ahead, behind]) {
      d.net.on();
      await d.db.subscriptions.update((m) => m.add('WorkOrder', 'TRUEPREDICATE', [], { name: 'all' }), { timeoutMs: WAIT.timeoutMs });
      await d.db.sync.waitForUpload(WAIT);
    }
    await settle([observer, ahead, behind]);
    expect((await serverObjects(server)).map((o) => o._id)).toEqual(['a1', 'b1']);
    for (const d of [observer, ahead, behind]) {
      expect((await localObject(d, 'a1'))?.title, d.name).toBe('from the future');
      expect((await localObject(d, 'b1'))?.title, d.name).toBe('from the past');
    }

    // Now both clocks are corrected from the server's time: concurrent offline writes to one
    // field go to the later one in real time. Uncorrected, the device 5 h ahead would win.
    aheadNet.off();
    behindNet.off();
    await ahead.db.write((tx) => tx.update('WorkOrder', 'a1', { title: 'earlier (ahead)' }));
    await new Promise((r) => setTimeout(r, 300));
    await behind.db.write((tx) => tx.update('WorkOrder', 'a1', { title: 'later (behind)' }));
    await new Promise((r) => setTimeout(r, 300));
    await behind.db.write((tx) => tx.update('WorkOrder', 'b1', { title: 'earlier (behind)' }));
    await new Promise((r) => setTimeout(r, 300));
    await ahead.db.write((tx) => tx.update('WorkOrder', 'b1', { title: 'later (ahead)' }));
    aheadNet.on();
    behindNet.on();
    await settle([observer, ahead, behind]);
    await until('every device has the same titles', async () => {
      for (const d of [observer, ahead, behind]) {
        if ((await localObject(d, 'a1'))?.title !== 'later (behind)' || (await localObject(d, 'b1'))?.title !== 'later (ahead)') return false;
      }
      return true;
    });
    const onServer = await serverObjects(server);
    expect(onServer.map((o) => o.title)).toEqual(['later (behind)', 'later (ahead)']);
    for (const d of [observer, ahead, behind]) expect(unexpected(d.errors), d.name).toEqual([]);
  }, TEST_TIMEOUT);
});
