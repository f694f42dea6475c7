import { expect, test } from './fixtures.ts';

/*
 * A client reset: the server retires a device's copy (here through the admin API, as after a
 * restore from backup or a change of access). The device fetches a fresh copy, replays the change
 * that had not reached the server, and tells the person in words.
 */
test('a client reset replaces the local copy, keeps unsynced changes and says so', async ({ demo, people }) => {
  const [job] = await demo.openJobsOf('Ana Lima');
  const ana = await people('Ana Lima');
  const s = ana.screen;
  await s.openWorkOrder(job!._id.$oid, job!.code);

  await ana.offline();
  await s.addNote('Written before the reset');
  await s.pending(1);
  await demo.admin('sync/reset', { userId: await demo.technicianId('Ana Lima'), reason: 'restored from backup' });

  await ana.online();
  await expect(s.page.getByTestId('notice').locator('p')).toHaveText(
    "This device's copy of your data was replaced with a fresh one from the server. Your 1 change that had not reached the server was applied again.",
  );
  await expect(s.notes.filter({ hasText: 'Written before the reset' })).toHaveCount(1);
  expect((await demo.workOrder(job!.code)).notes.map((n) => n.text)).toContain('Written before the reset');
});
