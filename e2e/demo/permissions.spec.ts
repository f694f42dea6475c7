import { expect, test } from './fixtures.ts';

/*
 * A technician edits a job that, unknown to her device, became another technician's: the server
 * refuses the change (the role's write rule), reverts it with a compensating write, and the app
 * says why in words.
 */
test('an edit of another technician’s job is undone and a notice says why', async ({ demo, people }) => {
  const [job] = await demo.workOrders("region == 'central' AND assigneeId == nil AND status == 'open' SORT(code ASC)");
  const id = job!._id.$oid;
  const ana = await people('Ana Lima');
  const ben = await people('Ben Okafor');
  for (const d of [ana, ben]) {
    await d.screen.region('central');
    await d.screen.openWorkOrder(id, job!.code);
  }
  const a = ana.screen;

  // Ana loses the network; meanwhile Ben takes the job.
  await ana.offline();
  await ben.screen.page.getByRole('button', { name: 'Claim this job' }).click();
  await ben.screen.synced();
  await expect(ben.screen.assignee).toContainText('Assigned to you');

  // Ana's device still shows the job unassigned: she takes it too and writes a note.
  await a.page.getByRole('button', { name: 'Claim this job' }).click();
  await a.addNote('On my way, 20 minutes');
  await a.pending(2);

  await ana.online();
  await expect(a.page.getByTestId('notice').locator('p')).toHaveText(`Your change to work order ${job!.code} was undone: it is assigned to Ben Okafor.`);
  await expect(a.assignee).toContainText('Assigned to Ben Okafor');
  await expect(a.notes.filter({ hasText: 'On my way' })).toHaveCount(0);
  await expect(a.title).toBeDisabled();

  const onServer = await demo.workOrder(job!.code);
  expect(onServer.assigneeId).not.toBeNull();
  expect(onServer.notes.map((n) => n.text)).not.toContain('On my way, 20 minutes');
  await expect(ben.screen.assignee).toContainText('Assigned to you');
});
