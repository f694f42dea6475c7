import { expect, test } from './fixtures.ts';

/*
 * Switching region changes the flexible-sync subscriptions: the new region's customers (and work
 * orders) arrive on the device, the old region's leave it, and leaving is not a deletion.
 */
test('switching region brings the new region’s customers and removes the old ones from the device', async ({ demo, people }) => {
  const ana = await people('Ana Lima');
  const s = ana.screen;
  await s.go('#/customers');
  await s.page.getByText('Sync details').click();
  const names = s.page.getByTestId('customer-name');
  const onDevice = s.page.getByTestId('local-customers');

  await expect(names).toHaveCount(10);
  await expect(names.filter({ hasText: 'Harbour Bakery' })).toHaveCount(1);
  await expect(onDevice).toHaveText('10');

  await s.region('central');
  await expect(names.filter({ hasText: 'Riverside Clinic' })).toHaveCount(1);
  await expect(names).toHaveCount(10);
  // Every customer on the device is now a Central one: North's have left it.
  await expect(onDevice).toHaveText('10');
  await expect(names.filter({ hasText: 'Harbour Bakery' })).toHaveCount(0);
  await s.synced();

  // The region's work orders followed; Ana's own North jobs stay (the `mine` subscription).
  await s.go('#/region');
  await expect(s.page.getByRole('heading', { name: /Unassigned in Central/ })).toBeVisible();
  const centralOnServer = await demo.workOrders("region == 'central' AND status != 'done'");
  await expect(s.page.getByTestId('wo-row')).toHaveCount(centralOnServer.length);

  // Nothing was deleted on the server.
  const { objects } = await demo.data<{ objects: unknown[] }>('Customer', 'query', { query: "region == 'north'" });
  expect(objects).toHaveLength(10);

  // And back: North's customers return.
  await s.go('#/customers');
  await s.region('north');
  await expect(names.filter({ hasText: 'Harbour Bakery' })).toHaveCount(1);
  await expect(onDevice).toHaveText('10');
});
