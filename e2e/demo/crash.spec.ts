import { expect, test } from './fixtures.ts';

/*
 * The server dies (SIGKILL, no shutdown) while a technician's changes are being uploaded, and
 * comes back on the same data: the changes it had acknowledged are still there, and the ones that
 * were in flight or made while it was down arrive. Nothing is lost and nothing is applied twice.
 */
test('a server killed mid-sync loses nothing: acknowledged and pending writes all arrive', async ({ demo, people }) => {
  const job = (await demo.openJobsOf('Ana Lima')).find((w) => w.tasks.length >= 4)!;
  const code = job.code;
  const ana = await people('Ana Lima');
  const s = ana.screen;
  await s.openWorkOrder(job._id.$oid, code);

  // Acknowledged before the crash.
  await s.tick(0);
  await s.addNote('Acknowledged before the crash');
  await s.synced();

  // A burst of changes, and the server is killed while they are being uploaded.
  await s.tick(1);
  await s.tick(2);
  await s.addNote('In flight at the crash');
  await demo.kill();
  await expect(s.status).not.toHaveAttribute('data-state', 'online');

  // While the server is down.
  await s.tick(3);
  await s.addNote('Written while the server was down');
  await expect(s.status).not.toHaveAttribute('data-pending', '0');

  // Back up, with the device kept away for a moment: what was acknowledged is on disk.
  ana.gateway.cut();
  await demo.start();
  const afterRestart = await demo.workOrder(code);
  expect(afterRestart.tasks[0]!.done).toBe(true);
  expect(afterRestart.notes.map((n) => n.text)).toContain('Acknowledged before the crash');

  // The device reconnects on its own (its backoff) and uploads the rest.
  ana.gateway.restore();
  await expect(s.status).toHaveAttribute('data-pending', '0', { timeout: 45_000 });
  await s.synced();
  const final = await demo.workOrder(code);
  expect(final.tasks.slice(0, 4).map((t) => t.done)).toEqual([true, true, true, true]);
  const notes = final.notes.map((n) => n.text);
  for (const text of ['Acknowledged before the crash', 'In flight at the crash', 'Written while the server was down']) {
    expect(notes.filter((n) => n === text)).toHaveLength(1);
  }
});
