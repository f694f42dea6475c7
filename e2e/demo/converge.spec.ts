import { expect, test } from './fixtures.ts';

/*
 * Two technicians edit the same job, one of them offline; when she comes back both screens show
 * the same job, merged field by field as docs/merge-rules.md says: the later write of a field wins
 * (not the later upload), and fields only one side changed keep that side's value.
 */
test('an offline edit and a concurrent online edit converge on both screens', async ({ demo, people }) => {
  // A job in the Central pool: Ana and Ben both cover Central, so both may edit it.
  const [job] = await demo.workOrders("region == 'central' AND assigneeId == nil AND status == 'open' SORT(code ASC)");
  const id = job!._id.$oid;
  const ana = await people('Ana Lima');
  const ben = await people('Ben Okafor');
  for (const d of [ana, ben]) {
    await d.screen.region('central');
    await d.screen.openWorkOrder(id, job!.code);
  }
  const a = ana.screen;
  const b = ben.screen;

  // Ana, offline: renames the job, makes it urgent, and creates a new one.
  await ana.offline();
  await a.setText('title', 'Valve: Ana (offline)');
  await a.priority.selectOption('3');
  await a.go('#/new');
  await a.page.getByLabel('Title').fill('Offline job by Ana');
  await a.page.getByRole('button', { name: 'Create job' }).click();
  await expect(a.page.getByTestId('wo-detail')).toHaveAttribute('data-code', /^WO-/);
  const created = (await a.page.getByTestId('wo-detail').getAttribute('data-code'))!;
  await a.pending(3);

  // Ben, online and later: renames it too (the same field) and writes a description (another one).
  await b.setText('title', 'Valve: Ben (later)');
  await b.setText('description', 'Ben: the valve is seized, bring a 22 mm.');
  await b.synced();

  await ana.online();
  await a.openWorkOrder(id, job!.code);
  for (const s of [a, b]) {
    // Both wrote the title; Ben's write is the later one, so it wins although Ana's upload came last.
    await expect(s.title).toHaveValue('Valve: Ben (later)');
    await expect(s.priority).toHaveValue('3');
    await expect(s.description).toHaveValue('Ben: the valve is seized, bring a 22 mm.');
  }
  // Ana's new job reached the server and Ben's board of the region.
  await b.go('#/region');
  await expect(b.page.getByTestId('wo-row').filter({ hasText: 'Offline job by Ana' })).toHaveAttribute('data-code', created);
  expect(await demo.workOrder(job!.code)).toMatchObject({ title: 'Valve: Ben (later)', priority: 3, description: 'Ben: the valve is seized, bring a 22 mm.' });
  expect(await demo.workOrder(created)).toMatchObject({ title: 'Offline job by Ana', region: 'central' });
});
