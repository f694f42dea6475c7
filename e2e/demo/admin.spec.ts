import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import type { DemoServer } from './server.ts';

/*
 * The operator's dashboard (/admin) in real Chromium, against the seeded demo server: logging in
 * with the admin key, live sessions, rules with a dry run, and what it refuses.
 */

/** A desktop window, logged in to the dashboard like an operator. */
async function dashboard(browser: Browser, demo: DemoServer): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${demo.url}/admin/`);
  await page.getByLabel('Admin key').fill(demo.adminKey());
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByTestId('session-count')).toBeVisible();
  return page;
}

test('the dashboard shows a technician\'s live session appearing and leaving', async ({ browser, demo, people }) => {
  const page = await dashboard(browser, demo);
  await expect(page.getByTestId('session-count')).toHaveText('0 connected');
  const ana = await people('Ana Lima');
  await expect(page.getByTestId('session-count')).toHaveText('1 connected');
  const row = page.locator('tbody tr');
  await expect(row).toHaveCount(1);
  // Disconnect ends it (the app reconnects by itself after its backoff).
  await row.getByRole('button', { name: 'Disconnect' }).click();
  await ana.context.close();
  await expect(page.getByTestId('session-count')).toHaveText('0 connected');
  await expect(row).toHaveCount(0);
  // The metrics of the last hour, as charts.
  await page.getByRole('button', { name: 'Metrics' }).click();
  await expect(page.getByTestId('chart')).toHaveCount(6);
  await expect(page.getByRole('img', { name: 'Sessions' })).toBeVisible();
  expect(demo.log).toMatch(/"admin":"dashboard-session:[^"]+","method":"POST","path":"\/api\/admin\/sessions\/\d+\/disconnect","msg":"admin action"/);
});

test('an admin edits a rule and the dry run counts change', async ({ browser, demo }) => {
  const page = await dashboard(browser, demo);
  await page.getByRole('button', { name: 'Schema & rules' }).click();
  const rules = page.getByLabel('rules');
  await expect(rules).toHaveValue(/coverRegion/);
  await page.getByLabel('user').selectOption({ label: 'ana@example.com' });
  await page.getByLabel('type').selectOption('WorkOrder');
  await page.getByRole('button', { name: 'Dry run' }).click();
  const dry = page.getByTestId('dry-run');
  await expect(dry).toContainText('ana@example.com would see');
  const before = Number(/would see (\d+) WorkOrder/.exec((await dry.textContent()) ?? '')![1]);
  expect(before).toBeGreaterThan(0);

  // Ana no longer reads the region she covers for.
  const text = await rules.inputValue();
  await rules.fill(text.replace(' OR region == %%user.custom_data.coverRegion OR assigneeId', ' OR assigneeId'));
  await page.getByRole('button', { name: 'Dry run' }).click();
  await expect(dry).not.toContainText(`would see ${before} `);
  const after = Number(/would see (\d+) WorkOrder/.exec((await dry.textContent()) ?? '')![1]);
  expect(after).toBeGreaterThan(0);
  expect(after).toBeLessThan(before);

  // A rule that does not type-check is refused, with the reason, and nothing is saved.
  await rules.fill(text.replace('region == %%user.custom_data.region', 'nosuchfield == 1'));
  await page.getByRole('button', { name: 'Save rules' }).click();
  await expect(page.locator('p.error')).toContainText('invalid rules');
  await page.reload();
  await page.getByRole('button', { name: 'Schema & rules' }).click();
  await expect(page.getByLabel('rules')).not.toHaveValue(/nosuchfield/);
});

test('the dashboard refuses a request without the key and a cross-site form post', async ({ browser, demo }) => {
  // No key, no session.
  expect((await fetch(`${demo.url}/api/admin/sessions`)).status).toBe(401);
  expect((await fetch(`${demo.url}/api/admin/sync/compact`, { method: 'POST' })).status).toBe(401);
  expect((await fetch(`${demo.url}/api/admin/sessions`, { headers: { Authorization: 'Bearer not-the-key-not-the-key-not-the-key' } })).status).toBe(401);

  const page = await dashboard(browser, demo);
  // Logged in, a request from the dashboard's own origin without the CSRF token is refused too.
  const bare = await page.evaluate(async () => (await fetch('/api/admin/sync/compact', { method: 'POST' })).status);
  expect(bare).toBe(401);

  // Another site's page posts a form at the admin API in the same browser (cookies and all).
  const evil = await page.context().newPage();
  await evil.setContent(
    `<form id="f" method="post" action="${demo.url}/api/admin/users" enctype="text/plain"><input name='{"email":"evil@example.com","password":"x","a":"' value='"}'></form>`,
  );
  const answer = evil.waitForResponse((r) => r.url().endsWith('/api/admin/users'));
  await evil.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit());
  // Refused at the door (the origin is not allowed), and it would lack the CSRF token anyway.
  expect((await answer).status()).toBe(403);
  const users = await fetch(`${demo.url}/api/admin/users?limit=1000`, { headers: { Authorization: `Bearer ${demo.adminKey()}` } });
  expect(JSON.stringify(await users.json())).not.toContain('evil@example.com');
});

test('a conflict between two technicians appears in the journal and as a restorable notice in the loser\'s app', async ({ browser, demo, people }) => {
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
  // Ana edits offline first; Ben's later online edit of the same field wins.
  await ana.offline();
  await a.setText('title', 'Valve: Ana (offline)');
  await b.setText('title', 'Valve: Ben (later)');
  await b.synced();
  await ana.online();
  await expect(a.title).toHaveValue('Valve: Ben (later)');

  // Her app says what she lost, to whom, and offers it back.
  const notice = a.page.getByTestId('conflict-notice');
  await expect(notice).toContainText(`Your title on ${job!.code} was replaced by Ben Okafor’s (“Valve: Ben (later)”)`);
  await expect(notice).toContainText('Yours was: “Valve: Ana (offline)”');
  await expect(b.page.getByTestId('conflict-notice')).toHaveCount(0);

  // The operator sees it in the journal.
  const page = await dashboard(browser, demo);
  await page.getByRole('button', { name: 'Conflicts' }).click();
  const row = page.getByTestId('conflict-row').filter({ hasText: 'Valve: Ana (offline)' });
  await expect(row).toContainText('overwritten');
  await expect(row).toContainText('"Valve: Ben (later)"');

  // Restoring writes hers again: it is now the later write, on both screens.
  await notice.getByRole('button', { name: 'Restore mine' }).click();
  await expect(notice).toHaveCount(0);
  for (const s of [a, b]) await expect(s.title).toHaveValue('Valve: Ana (offline)');
  await page.reload();
  await expect(page.getByTestId('conflict-row').filter({ hasText: 'Valve: Ana (offline)' }).locator('td').last()).not.toHaveText('no');

  // The history browser shows the title writes the history holds, newest first, decoded: Ben's
  // and her restore (her lost write was transformed away; the journal is where it is recorded).
  await page.getByRole('button', { name: 'History' }).click();
  await page.getByLabel('type').fill('WorkOrder');
  await page.getByLabel('primary key').fill(id);
  await page.getByRole('button', { name: 'Show' }).click();
  const titles = page.getByTestId('history-row').filter({ hasText: 'title = "Valve:' });
  await expect(titles).toHaveCount(2);
  await expect(titles.first()).toContainText('Set WorkOrder');
  await expect(titles.first()).toContainText('title = "Valve: Ana (offline)"');
  await expect(titles.last()).toContainText('title = "Valve: Ben (later)"');
});
