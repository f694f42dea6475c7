import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ExampleServer, examplesDir } from './server.ts';

/*
 * Each example as a user meets it: installed from the packed tarball, built, served by a real
 * Outpost server. The web examples: create an account, list, add, edit, reload, see the data from
 * a second browser, go offline (the server stops) and keep writing. The Node example: a script
 * that logs in, downloads, writes and uploads.
 */

async function logIn(page: Page, url: string, email: string, create: boolean): Promise<void> {
  await page.goto(url + '/');
  await page.getByLabel('email').fill(email);
  await page.getByLabel('password').fill('a long password');
  await page.getByRole('button', { name: create ? 'Create account' : 'Log in' }).click();
  await expect(page.getByTestId('badge')).toHaveText('online', { timeout: 20_000 });
}

for (const name of ['react-vite', 'vue-vite', 'webpack']) {
  test(`${name}: log in, subscribe, list, add, edit, sync to another browser, offline badge`, async ({ page, browser }) => {
    const server = await ExampleServer.start(join(examplesDir(), name));
    try {
      const email = `${name}-${Date.now()}@example.com`; // unique: a kept directory keeps its data
      await logIn(page, server.url, email, true);
      const titles = page.getByTestId('title');
      await expect(titles).toHaveCount(0);
      for (const t of ['buy milk', 'answer mail']) {
        await page.getByLabel('new item').fill(t);
        await page.getByRole('button', { name: 'Add' }).click();
      }
      await expect(titles).toHaveText(['answer mail', 'buy milk']);
      // A click, not check(): the box shows the stored value, which changes once the write commits.
      await page.getByLabel('done: buy milk').click();
      await expect(page.getByLabel('done: buy milk')).toBeChecked();
      await expect(page.getByTestId('pending')).toHaveText(/\b0 pending/, { timeout: 20_000 });

      // A reload keeps the user and the data.
      await page.reload();
      await expect(titles).toHaveText(['answer mail', 'buy milk']);
      await expect(page.getByLabel('done: buy milk')).toBeChecked();

      // Another browser (its own storage) logs in as the same user and downloads the same items.
      const other = await browser.newContext();
      try {
        const second = await other.newPage();
        await logIn(second, server.url, email, false);
        await expect(second.getByTestId('title')).toHaveText(['answer mail', 'buy milk']);
        await expect(second.getByLabel('done: buy milk')).toBeChecked();
      } finally {
        await other.close();
      }

      // The server goes away: the badge says so and writes keep working locally.
      await server.stop();
      await expect(page.getByTestId('badge')).toHaveText('offline', { timeout: 20_000 });
      await page.getByLabel('new item').fill('written offline');
      await page.getByRole('button', { name: 'Add' }).click();
      await expect(titles).toHaveText(['answer mail', 'buy milk', 'written offline']);
      await expect(page.getByTestId('pending')).toHaveText(/\b1 pending/);
    } finally {
      await server.stop();
    }
  });
}

function runNode(dir: string, url: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['index.mjs', ...args], { cwd: dir, env: { ...process.env, OUTPOST_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => (clearTimeout(timer), done({ code, out })));
  });
}

test('node: a script logs in, downloads, writes and uploads; a second run downloads what the first wrote', async () => {
  const dir = join(examplesDir(), 'node');
  const server = await ExampleServer.start(dir);
  try {
    const email = `script-${Date.now()}@example.com`;
    const first = await runNode(dir, server.url, [email, 'a long password']);
    expect(first.out).toContain('downloaded 0 item(s)');
    expect(first.out).toContain('uploaded "from node');
    expect(first.code, first.out).toBe(0);
    const second = await runNode(dir, server.url, [email, 'a long password']);
    expect(second.out).toContain('downloaded 1 item(s): from node');
    expect(second.code, second.out).toBe(0);
  } finally {
    await server.stop();
  }
});
