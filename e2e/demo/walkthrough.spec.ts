import { expect, test } from './fixtures.ts';

/*
 * Rough edges a technician's walkthrough found (issue 18): input checks, long text on a 390 px
 * phone, and the guest's warning.
 */

test('titles of spaces are refused, text fields stop at their limit and say so, and long words do not widen a 390 px phone', async ({ demo, people }) => {
  const [job] = await demo.openJobsOf('Ana Lima');
  const ana = await people('Ana Lima');
  const a = ana.screen;
  await a.page.setViewportSize({ width: 390, height: 844 });

  await a.go('#/new');
  await a.page.getByLabel('Title').fill('    ');
  await a.page.getByRole('button', { name: 'Create job' }).click();
  await expect(a.page.getByTestId('new-wo-problem')).toHaveText('Give the job a title (spaces alone are not one).');
  await expect(a.page.getByTestId('new-wo-form')).toBeVisible(); // still on the form: nothing created
  await a.page.getByLabel('Title').fill('x'.repeat(200));
  await expect(a.page.getByLabel('Title')).toHaveValue('x'.repeat(120));
  await expect(a.page.getByTestId('new-wo-problem')).toHaveText('That is the limit: 120 characters.');

  await a.openWorkOrder(job!._id.$oid, job!.code);
  const url = `https://example.com/${'very-long-path-segment-'.repeat(20)}`;
  await a.addNote(`See ${url}`);
  await a.setText('description', `Part number ${'A1B2C3D4'.repeat(30)}`);
  const widths = await a.page.evaluate(() => ({ page: document.documentElement.scrollWidth, view: window.innerWidth }));
  expect(widths.page).toBeLessThanOrEqual(widths.view);
});

test('a guest is told that their jobs go away at log-out', async ({ demo, browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(demo.url);
  await page.getByRole('button', { name: /Try it without an account/ }).click();
  await expect(page.locator('.hint.guest')).toContainText('Your jobs go away when you log out');
  await context.close();
});
