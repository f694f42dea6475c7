import { resolve } from 'node:path';
import { test as base } from '@playwright/test';
import { TECHNICIANS } from '../../demo/shared/accounts.ts';
import { dashboard, Device, expect, signIn } from './fixtures.ts';
import { twoNodes, type TwoNodes } from './pg-nodes.ts';

/*
 * The dashboard screenshots in docs/images, taken on two nodes sharing PostgreSQL with a
 * technician on each. Runs only when asked (it writes into docs/):
 *
 *   OUTPOST_SCREENSHOTS=1 npx playwright test -c e2e/demo/playwright.config.ts screenshots.spec.ts
 */

const IMAGES = resolve(import.meta.dirname, '../../docs/images');

const test = base.extend<{ nodes: TwoNodes }>({
  // Seeding PostgreSQL and starting two servers takes a while on a loaded machine.
  nodes: [
    async ({}, use) => {
      const nodes = await twoNodes();
      try {
        await use(nodes);
      } finally {
        await nodes.dispose();
      }
    },
    { timeout: 180_000 },
  ],
});

test('dashboard screenshots for docs/server.md', async ({ browser, nodes }) => {
  test.skip(!process.env.OUTPOST_SCREENSHOTS, 'set OUTPOST_SCREENSHOTS=1 to refresh docs/images');
  test.setTimeout(180_000);
  const phone = { viewport: { width: 412, height: 915 } };
  const ana = await signIn(new Device('Ana Lima', await browser.newContext(phone), nodes.b.gateway()));
  const ben = await signIn(new Device('Ben Okafor', await browser.newContext(phone), nodes.a.gateway()));
  // Ben's tablet, on node A too: node A measures the latency of what it received itself.
  const tablet = await signIn(new Device('Ben Okafor', await browser.newContext(phone), nodes.a.gateway()));
  // A few writes that travel from one node to the other, for the charts.
  const [job] = await nodes.a.workOrders("region == 'central' AND assigneeId == nil AND status == 'open' SORT(code ASC)");
  for (const d of [ana, ben, tablet]) {
    await d.screen.region('central');
    await d.screen.openWorkOrder(job!._id.$oid, job!.code);
  }
  for (let i = 1; i <= 3; i++) {
    await ana.screen.setText('title', `Valve: check ${i}`);
    await expect(ben.screen.title).toHaveValue(`Valve: check ${i}`);
    await ben.screen.setText('description', `Pressure reading ${i}`);
    await expect(ana.screen.description).toHaveValue(`Pressure reading ${i}`);
    await expect(tablet.screen.description).toHaveValue(`Pressure reading ${i}`);
  }

  const login = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
  await login.goto(`${nodes.a.url}/admin/`);
  await login.getByRole('tab', { name: 'As an admin user' }).click();
  await login.getByLabel('Email').fill(TECHNICIANS[0]!.email);
  await login.screenshot({ path: `${IMAGES}/dashboard-login.png` });

  const page = await dashboard(browser, nodes.a);
  await expect(page.locator('tbody tr')).toHaveCount(3);
  await page.screenshot({ path: `${IMAGES}/dashboard-sessions.png` });
  await page.getByRole('button', { name: 'Client files' }).click();
  await expect(page.getByTestId('file-state').first()).toBeVisible();
  await page.screenshot({ path: `${IMAGES}/dashboard-client-files.png` });
  await page.getByRole('button', { name: 'Users & keys' }).click();
  await page.locator('tr').filter({ hasText: TECHNICIANS[0]!.email }).getByRole('button', { name: 'Make admin' }).click();
  await expect(page.getByRole('button', { name: 'Remove admin' })).toBeVisible();
  await page.screenshot({ path: `${IMAGES}/dashboard-users.png` });
  // Two 10 s samples after the writes, so the rates and the latency have an interval to show.
  await page.getByRole('button', { name: 'Metrics' }).click();
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId('chart').filter({ hasText: 'Upload→download latency' }).locator('figcaption')).not.toContainText('(max 0.00)', { timeout: 1000 });
  }).toPass({ timeout: 60_000 });
  await page.screenshot({ path: `${IMAGES}/dashboard-metrics.png`, fullPage: true });
});
