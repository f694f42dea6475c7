import { expect, test } from './fixtures.ts';

/*
 * One technician, several tabs: one WebSocket for all of them (the tab holding the Web Lock syncs
 * for the others), edits in one tab show in the others at once, and when the syncing tab closes
 * another one takes over.
 */
test('two tabs of one technician share one connection and show each other’s edits', async ({ demo, people }) => {
  const [job] = await demo.openJobsOf('Ana Lima');
  const { code } = job!;
  const id = job!._id.$oid;
  const ana = await people('Ana Lima');
  const first = ana.screen;

  const second = await ana.tab(`/#/wo/${id}`);
  await expect(second.page.getByTestId('wo-detail')).toHaveAttribute('data-code', code);
  await second.synced();
  await expect(second.page.getByText('synced via another tab')).toBeVisible();
  expect(first.sockets).toHaveLength(1);
  expect(second.sockets).toHaveLength(0);
  expect(await demo.metric('outpost_sync_sessions')).toBe(1);

  // An edit in the tab without the socket shows in the other tab and reaches the server.
  await second.setText('title', 'Renamed in the second tab');
  await first.openWorkOrder(id, code);
  await expect(first.title).toHaveValue('Renamed in the second tab');
  await first.tick(0);
  await expect(second.task(0)).toBeChecked();
  await first.synced();
  expect(await demo.workOrder(code)).toMatchObject({ title: 'Renamed in the second tab', tasks: expect.arrayContaining([expect.objectContaining({ done: true })]) });
  expect(await demo.metric('outpost_sync_sessions')).toBe(1);

  // The syncing tab closes: the other takes over the connection.
  await first.page.close();
  await expect(second.page.getByText('synced via another tab')).toBeHidden();
  await second.synced();
  expect(second.sockets).toHaveLength(1);
  await second.addNote('Written after the takeover');
  await second.synced();
  expect((await demo.workOrder(code)).notes.map((n) => n.text)).toContain('Written after the takeover');
});

test('the Vue job board shows the same live data as the React app', async ({ demo, people }) => {
  const [job] = await demo.openJobsOf('Ana Lima');
  const { code } = job!;
  const ana = await people('Ana Lima');
  const app = ana.screen;
  const board = await ana.tab('/vue.html');
  const card = (column: string) => board.page.getByTestId(`column-${column}`).getByTestId('board-card').filter({ hasText: code });
  await expect(card('open')).toHaveCount(1);

  await app.openWorkOrder(job!._id.$oid, code);
  await app.page.getByRole('button', { name: 'Start job' }).click();
  await expect(card('in_progress')).toHaveCount(1);
  await expect(card('open')).toHaveCount(0);
  await app.page.getByTestId('wo-complete').click();
  await expect(card('done')).toHaveCount(1);
  expect(board.sockets).toHaveLength(0);
});

test('the Vue job board says offline within 2 s of the network going, and online when it is back', async ({ people }) => {
  const ana = await people('Ana Lima');
  const board = await ana.tab('/vue.html');
  const status = board.page.getByTestId('status-bar');
  await expect(status).toHaveAttribute('data-state', 'online');
  await expect(status).toContainText('Online');
  await ana.context.setOffline(true);
  await expect(status).toHaveAttribute('data-state', 'offline', { timeout: 2_000 });
  await expect(status).toContainText('Offline', { timeout: 2_000 });
  await ana.context.setOffline(false);
  await expect(status).toHaveAttribute('data-state', 'online');
});
