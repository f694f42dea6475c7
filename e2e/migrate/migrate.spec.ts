import { expect, test, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildPage, REPO } from '../fixtures/page-server.ts';

/*
 * The migration from Realm, end to end, as docs/migrating-from-realm.md tells it: the Realm
 * template todo app's App Services export → `outpost import-app` → `npm run server`'s command on
 * the written configuration → users register → an Extended JSON dump (as mongoexport writes it)
 * → `outpost import-data` → the template app's Realm JS model in Chromium, against that server.
 * The browser sees the imported data; its writes obey the imported rules (everyone reads, the
 * owner writes): a write the rules deny is reverted by the server and reported.
 */

const EXPORT = join(REPO, 'src/server/migrate/testing/fixtures/todo-template/export');
const PASSWORD = 'correct horse battery staple';
const JWT_SECRET = 'migrate-e2e-secret-migrate-e2e-secret-0123456789';
const ADMIN_KEY = 'migrate-e2e-admin-key-migrate-e2e-admin-key-0123';
const IDS = { milk: 'a00000000000000000000001', dog: 'a00000000000000000000002', mum: 'a00000000000000000000003', bad: 'a00000000000000000000004' };

let root: string;
let server: ChildProcess | undefined;
let serverLog = '';
let url: string;
let ana: string;
let ben: string;
let importData: { code: number | null; out: string; err: string };

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'outpost.js'), ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => done({ code, out, err }));
  });
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const a = probe.address();
      probe.close(() => (typeof a === 'object' && a ? done(a.port) : fail(new Error('no port'))));
    });
  });
}

async function json(path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Registers a user on the Outpost server (App Services users do not move) and returns the new id. */
async function register(email: string): Promise<string> {
  expect((await json('/api/auth/register', { email, password: PASSWORD })).status).toBe(201);
  const login = await json('/api/auth/login', { provider: 'email', email, password: PASSWORD });
  expect(login.status).toBe(200);
  return login.body.userId as string;
}

async function serverItems(): Promise<Record<string, any>[]> {
  const r = await json('/api/data/Item/query', { query: 'TRUEPREDICATE SORT(summary ASC)' }, ADMIN_KEY);
  expect(r.status).toBe(200);
  return r.body.objects;
}

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'outpost-migrate-e2e-'));
  const pageDir = await buildPage(resolve(REPO, 'test-pages/migrate'));

  // 1. The configuration from the export.
  const imported = await run(['import-app', EXPORT, '--out', join(root, 'outpost.config.json')]);
  expect(imported.code, imported.err).toBe(0);
  const config = JSON.parse(readFileSync(join(root, 'outpost.config.json'), 'utf8'));
  expect(config.roles.byType.Item[0].write).toBe('owner_id == %%user.id');

  // 2. The server on it, as `npm run server -- --config outpost.config.json` starts it; the
  // secrets, the store and the built app come from the environment.
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, [join(REPO, 'bin', 'outpost-server.js'), '--config', join(root, 'outpost.config.json')], {
    cwd: root,
    env: {
      ...process.env,
      OUTPOST_PORT: String(port),
      OUTPOST_HOST: '127.0.0.1',
      OUTPOST_STORE: join(root, 'data'),
      OUTPOST_STATIC_DIR: pageDir,
      OUTPOST_JWT_SECRET: JWT_SECRET,
      OUTPOST_ADMIN_KEY: ADMIN_KEY,
      OUTPOST_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (d: Buffer) => (serverLog += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (serverLog += d.toString()));
  await expect.poll(async () => (await fetch(url + '/api/health').then((r) => r.status, () => 0)), { timeout: 60_000 }).toBe(200);

  // 3. Users register again; the dump's owner_id values are rewritten to their new ids.
  ana = await register('ana@example.com');
  ben = await register('ben@example.com');
  const line = (id: string, owner: string, summary: string, isComplete: unknown = false) => JSON.stringify({ _id: { $oid: id }, isComplete, owner_id: owner, summary });
  const dump = [line(IDS.milk, ana, 'Buy milk'), line(IDS.dog, ben, 'Walk the dog'), line(IDS.mum, ben, 'Call mum', true), line(IDS.bad, ben, 'Broken', 'yes')];
  writeFileSync(join(root, 'Item.json'), dump.join('\n') + '\n');

  // 4. The data, through the running server's history.
  importData = await run(['import-data', '--server', url, '--type', 'Item', join(root, 'Item.json')], { OUTPOST_ADMIN_KEY: ADMIN_KEY });
});

test.afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  if (root) rmSync(root, { recursive: true, force: true });
});

test.afterEach(async ({}, info) => {
  if (info.status !== info.expectedStatus) await info.attach('server log', { body: serverLog, contentType: 'text/plain' });
});

async function openAs(page: Page, email: string): Promise<void> {
  await page.goto(url + '/');
  await expect(page.locator('#status')).toHaveText('ready');
  await page.evaluate(([e, p]) => (window as any).migrate.open(e, p), [email, PASSWORD]);
  await expect(page.locator('#status')).toHaveText('open');
}

test('an App Services app and its data, imported, serve the Realm template app unchanged in the browser', async ({ page }) => {
  // import-data named the document that does not fit and imported the rest.
  expect(importData.err).toContain('line 4: Item.isComplete: expected bool');
  expect(importData.out).toContain('Item: 3 imported, 0 already there, 1 refused');
  expect(importData.code).toBe(1);

  // The browser sees every imported item (the imported rule lets everyone read).
  await openAs(page, 'ana@example.com');
  await expect(page.locator('#items li')).toHaveText(['Buy milk', 'Call mum (done)', 'Walk the dog']);
  const items = await page.evaluate(() => (window as any).migrate.items());
  expect(items.map((i: { owner: string }) => i.owner)).toEqual([ana, ben, ben]);

  // Writes the rule allows (her own items) reach the server.
  await page.evaluate(([id]) => (window as any).migrate.complete(id), [IDS.milk]);
  const newId = await page.evaluate(([owner]) => (window as any).migrate.create('Water the plants', owner), [ana]);
  await page.evaluate(() => (window as any).migrate.waitForUpload());
  await expect.poll(async () => (await serverItems()).map((i) => [i.summary, i.isComplete])).toEqual([
    ['Buy milk', true],
    ['Call mum', true],
    ['Walk the dog', false],
    ['Water the plants', false],
  ]);
  expect((await serverItems()).find((i) => i.summary === 'Water the plants')!.owner_id).toBe(ana);
  expect(newId).toMatch(/^[0-9a-f]{24}$/);

  // Writes it denies (ben's item; an item in ben's name) are reverted and reported.
  await page.evaluate(([id]) => (window as any).migrate.complete(id), [IDS.dog]);
  await page.evaluate(([owner]) => (window as any).migrate.create('Forged', owner), [ben]);
  await expect.poll(() => page.evaluate(() => (window as any).migrate.errors.some((e: { code: string }) => e.code === 'compensating_write')), { timeout: 20_000 }).toBe(true);
  await expect(page.locator('#items li')).toHaveText(['Buy milk (done)', 'Call mum (done)', 'Walk the dog', 'Water the plants'], { timeout: 20_000 });
  const onServer = await serverItems();
  expect(onServer.map((i) => i.summary)).toEqual(['Buy milk', 'Call mum', 'Walk the dog', 'Water the plants']);
  expect(onServer.find((i) => i.summary === 'Walk the dog')!.isComplete).toBe(false);
});
