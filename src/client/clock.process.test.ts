import { describe, expect, it, vi } from 'vitest';
import { localizeTokens, type Tokens } from './user.ts';
import { device, localObject, Network, serverObjects, settle, startServer, TEST_TIMEOUT, unexpected, until, useServerDevices, WAIT } from '../testing/server-devices.ts';

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

  for (const hours of [3, -3]) {
    it(`a device whose wall clock is ${Math.abs(hours)} h ${hours > 0 ? 'ahead' : 'behind'} keeps its token by its own clock: refreshed halfway through its life, not every second, and syncing goes on past its real expiry`, async () => {
      // The device's Date.now() is off; the server process keeps the real time. Tokens live 40 s.
      const real = Date.now.bind(Date);
      const server = await startServer({ roles: { default: [{ name: 'everyone', applyWhen: true, read: true, write: true }] } }, { accessTokenTtlSeconds: 40 });
      const spy = vi.spyOn(Date, 'now').mockImplementation(() => real() + hours * HOURS);
      try {
        const d = await device(server, `clock${hours}`, `clock${hours}@example.com`);
        const issuedAt = Date.now();
        // By the device's clock the token expires 40 s from now (not 3 h ago or 3 h later).
        expect(Math.abs(d.user.accessTokenExpiresAt - (issuedAt + 40_000))).toBeLessThan(3_000);
        await d.db.write((tx) => tx.create('WorkOrder', { _id: `c${hours}`, title: 'clock', status: 'open', assigneeId: d.user.id, region: 'north' }));
        await d.db.sync.waitForUpload(WAIT);
        // A device ahead used to find every new token expired and refresh it every second; one
        // behind, to keep its token until the server ended the session at the real expiry.
        await until('the first refresh', () => d.net.refreshes.length > 0, 45_000);
        const first = d.net.refreshes[0]! - issuedAt;
        expect(first, 'the first refresh, ms after the login').toBeGreaterThanOrEqual(10_000);
        expect(first, 'the first refresh, ms after the login').toBeLessThan(39_000);
        await new Promise((r) => setTimeout(r, Math.max(0, issuedAt + 41_000 - Date.now())));
        // Each token is refreshed halfway through its life: about 20 s and 40 s after the login.
        expect(d.net.refreshes.length, 'refreshes in the first 41 s').toBeLessThanOrEqual(2);
        await d.db.write((tx) => tx.update('WorkOrder', `c${hours}`, { title: 'after the first token expired' }));
        await d.db.sync.waitForUpload(WAIT);
        expect((await serverObjects(server)).find((o) => o._id === `c${hours}`)?.title).toBe('after the first token expired');
        expect(unexpected(d.errors)).toEqual([]);
      } finally {
        spy.mockRestore();
      }
    }, TEST_TIMEOUT + 60_000);
  }
});

describe('localizeTokens', () => {
  const jwt = (iat: number) => `h.${Buffer.from(JSON.stringify({ sub: 'u', iat })).toString('base64url')}.s`;
  const server = 1_800_000_000_000;
  const tokens: Tokens = { userId: 'u', provider: 'anon', accessToken: jwt(server / 1000), accessTokenExpiresAt: server + 900_000, refreshToken: 'r', refreshTokenExpiresAt: server + 86_400_000 };
  it('shifts both expiries onto the device clock (a second early for iat\'s whole seconds)', () => {
    const t = localizeTokens(tokens, server + 3 * HOURS);
    expect(t.accessTokenExpiresAt).toBe(server + 3 * HOURS + 900_000 - 1000);
    expect(t.refreshTokenExpiresAt).toBe(server + 3 * HOURS + 86_400_000 - 1000);
  });
  it('leaves tokens without a readable iat as the server stated them', () => {
    expect(localizeTokens({ ...tokens, accessToken: 'opaque' }, server + HOURS)).toEqual({ ...tokens, accessToken: 'opaque' });
    expect(localizeTokens({ ...tokens, accessToken: 'a.!!!.b' }, server + HOURS).accessTokenExpiresAt).toBe(tokens.accessTokenExpiresAt);
  });
});
