import { expect, test as base } from '@playwright/test';
import { dashboard, Device, signIn } from './fixtures.ts';
import { twoNodes, type TwoNodes } from './pg-nodes.ts';

/*
 * The dashboard over two server processes sharing one PostgreSQL database: node A's dashboard
 * shows a technician served by node B (with its node), ends that session on node B, shows both
 * nodes' metrics, and forgets node B once it dies.
 */

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

test('node A\'s dashboard shows and disconnects a session on node B, charts both nodes, and drops node B when it dies', async ({ browser, nodes }) => {
  test.setTimeout(150_000);
  const page = await dashboard(browser, nodes.a);
  await expect(page.getByTestId('session-count')).toHaveText('0 connected');

  // Ana's phone reaches node B.
  const context = await browser.newContext({ viewport: { width: 412, height: 915 } });
  const ana = await signIn(new Device('Ana Lima', context, nodes.b.gateway()));
  const row = page.locator('tbody tr');
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('session-node')).toHaveText('node-b');
  await expect(page.getByTestId('node-summary')).toHaveText('This dashboard runs on node node-a; sessions on 1 node.');
  const before = (await row.locator('td').first().textContent())!;

  // Disconnect from node A ends it on node B; her app reconnects by itself, as a new session.
  const closed = ana.screen.page.waitForEvent('websocket', { timeout: 30_000 });
  await row.getByRole('button', { name: 'Disconnect' }).click();
  await closed;
  await ana.screen.synced();
  await expect(row.getByTestId('session-node')).toHaveText('node-b');
  expect(nodes.a.log).toMatch(new RegExp(`"clientFile":${before},"ended":0,"asked":\\["node-b"\\],"msg":"session disconnected"`));

  // Metrics of both nodes.
  await page.getByRole('button', { name: 'Metrics' }).click();
  await expect(page.getByTestId('metrics-nodes')).toHaveText('2 nodes alive');
  await page.getByLabel('node').selectOption('node-b');
  await expect(page.getByText(/on node node-b \(\d+ samples\)/)).toBeVisible();

  // Node B dies: its session and its metrics leave the dashboard once its heartbeat lapses.
  await context.close();
  await nodes.b.kill();
  // (The metrics page reads every 10 s; a heartbeat lapses after 6 s.)
  await expect(page.getByTestId('metrics-nodes')).toHaveText('1 node alive', { timeout: 30_000 });
  await page.getByRole('button', { name: 'Sessions' }).click();
  await expect(page.getByTestId('session-count')).toHaveText('0 connected');
});
