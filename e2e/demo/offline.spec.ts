import { expect, test } from './fixtures.ts';

/*
 * The app after a reload with no network: the service worker serves the shell (pages, bundles,
 * the Outpost worker), IndexedDB still holds the data and the unsent changes, and those upload
 * when the network is back.
 */
test('reloading offline: the app opens from the service worker with local data and pending writes', async ({ demo, people }) => {
  const [job] = await demo.openJobsOf('Ana Lima');
  const code = job!.code;
  const ana = await people('Ana Lima');
  const s = ana.screen;
  await s.offlineReady();
  await s.openWorkOrder(job!._id.$oid, code);

  await ana.offline();
  await s.tick(0);
  await s.addNote('Replaced the washer in the basement');
  await s.pending(2);

  await s.page.reload();
  // The hash route brings the same screen back; everything below comes from this device alone.
  await expect(s.page.getByTestId('wo-detail')).toHaveAttribute('data-code', code);
  await expect(s.status).toHaveAttribute('data-state', 'offline');
  await s.pending(2);
  await expect(s.task(0)).toBeChecked();
  await expect(s.notes.filter({ hasText: 'Replaced the washer in the basement' })).toHaveCount(1);
  expect((await demo.workOrder(code)).notes.map((n) => n.text)).not.toContain('Replaced the washer in the basement');

  await ana.online();
  const onServer = await demo.workOrder(code);
  expect(onServer.tasks[0]!.done).toBe(true);
  expect(onServer.notes.map((n) => n.text)).toContain('Replaced the washer in the basement');
});
