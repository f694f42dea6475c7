import { TECHNICIANS } from '../../demo/shared/accounts.ts';
import { dashboard, expect, test } from './fixtures.ts';

/*
 * The operator's dashboard (/admin) in real Chromium, against the seeded demo server: logging in
 * with the admin key, live sessions, rules with a dry run, and what it refuses.
 */

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
  // Two devices, an offline round trip, the journal, a restore and the history: the longest of these.
  test.setTimeout(180_000);
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

test('a user with the admin role logs in with their own credentials, and their actions are logged with their id', async ({ browser, demo }) => {
  const ana = TECHNICIANS.find((t) => t.name === 'Ana Lima')!;
  const anaId = await demo.technicianId('Ana Lima');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const asAna = async () => {
    await page.goto(`${demo.url}/admin/`);
    await page.getByRole('tab', { name: 'As an admin user' }).click();
    await page.getByLabel('Email').fill(ana.email);
    await page.getByLabel('Password').fill(ana.password);
    await page.getByRole('button', { name: 'Log in' }).click();
  };
  // Deny by default: a technician is not an admin.
  await asAna();
  await expect(page.locator('p.error')).toContainText('does not have the admin role');

  // The operator (admin key) makes her one on the Users page.
  const operator = await dashboard(browser, demo);
  await operator.getByRole('button', { name: 'Users & keys' }).click();
  const row = operator.locator('tr').filter({ hasText: ana.email });
  await row.getByRole('button', { name: 'Make admin' }).click();
  await expect(row.getByTestId('admin-role')).toHaveText('Remove admin');

  // Now she gets in, with the same cookie session, and what she does is logged as her.
  await asAna();
  await expect(page.getByTestId('session-count')).toBeVisible();
  await page.getByRole('button', { name: 'Users & keys' }).click();
  await page.getByPlaceholder('name', { exact: true }).fill('ana-ci');
  await page.getByRole('button', { name: 'Create key' }).click();
  await expect(page.locator('tr').filter({ hasText: 'ana-ci' })).toHaveCount(1);
  expect(demo.log).toContain(`"admin":"user:${anaId}","method":"POST","path":"/api/admin/api-keys","msg":"admin action"`);

  // Withdrawn: her open dashboard is refused at its next request.
  await row.getByRole('button', { name: 'Remove admin' }).click();
  await expect(row.getByRole('button', { name: 'Make admin' })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Admin key')).toBeVisible();
});

test('client files: a technician\'s file with its versions and node; retire refuses it and reset starts a device over', async ({ browser, demo, people }) => {
  const anaId = await demo.technicianId('Ana Lima');
  const ana = await people('Ana Lima');
  const page = await dashboard(browser, demo);
  page.on('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Client files' }).click();
  await page.getByLabel('user id').fill(anaId);
  await page.getByRole('button', { name: 'Show' }).click();
  const first = page.locator('tbody tr').first();
  await expect(first.getByTestId('file-state')).toHaveText('connected');
  await expect(first).toContainText(anaId);
  const ident = Number(await first.locator('td').first().textContent());
  const row = page.getByTestId(`file-${ident}`);
  // The server version it downloaded is past the seed's history.
  expect(Number(await row.locator('td').nth(5).textContent())).toBeGreaterThan(0);

  // Retire: the file is refused; her app starts over on a new file and syncs again.
  await row.getByRole('button', { name: 'Retire' }).click();
  await expect(row.getByTestId('file-state')).toHaveText('retired: an administrator retired it');
  const fresh = page.locator('tbody tr').first();
  await expect(fresh).not.toHaveAttribute('data-testid', `file-${ident}`);
  await expect(fresh.getByTestId('file-state')).toHaveText('connected');
  await ana.screen.synced();
  expect(demo.log).toMatch(new RegExp(`"admin":"dashboard-session:[^"]+","clientFile":${ident},"action":"retire"`));

  // Reset the new one: it resets too (keeping what it had not uploaded) and is back again.
  await fresh.getByRole('button', { name: 'Reset' }).click();
  await expect(page.locator('tbody tr').nth(1).getByTestId('file-state')).toHaveText('reset: an administrator reset it');
  await expect(page.locator('tbody tr').first().getByTestId('file-state')).toHaveText('connected');
  await ana.screen.synced();
});

test('the metrics page charts the upload→download latency of a write reaching another technician', async ({ browser, demo, people }) => {
  const [job] = await demo.workOrders("region == 'central' AND assigneeId == nil AND status == 'open' SORT(code ASC)");
  const ana = await people('Ana Lima');
  const ben = await people('Ben Okafor');
  for (const d of [ana, ben]) {
    await d.screen.region('central');
    await d.screen.openWorkOrder(job!._id.$oid, job!.code);
  }
  await ana.screen.setText('title', 'Valve: measured');
  await expect(ben.screen.title).toHaveValue('Valve: measured');
  expect(await demo.metric('outpost_sync_upload_download_seconds_count')).toBeGreaterThan(0);
  const page = await dashboard(browser, demo);
  await page.getByRole('button', { name: 'Metrics' }).click();
  // The next 10 s sample holds it; the chart's maximum is then above zero.
  const chart = page.getByTestId('chart').filter({ hasText: 'Upload→download latency' });
  await expect(chart).toBeVisible();
  await expect(async () => {
    await page.reload();
    await expect(chart.locator('figcaption')).not.toContainText('(max 0.00)', { timeout: 1000 });
  }).toPass({ timeout: 40_000 });
});
