import { expect, test, type Page } from '@playwright/test';

/*
 * The client in a real browser: the dedicated worker behind Comlink, IndexedDB, Web Locks,
 * BroadcastChannel and the WebSocket, against the fake sync server of global-setup.ts.
 */

const base = () => process.env.OUTPOST_E2E_URL!;

interface Stats {
  connections: number;
  attempts: number;
  openSessions: number;
  uploads: number;
  serverVersion: number;
  itemsSent: number;
  identCursors: number[];
}

async function stats(page: Page): Promise<Stats> {
  return page.evaluate(async () => (await fetch('/__test/stats')).json());
}

async function openPage(page: Page) {
  await page.goto(base() + '/');
  await expect(page.locator('#status')).toHaveText('ready');
  return page.evaluate(() => (window as any).e2e.open());
}

test('writes and live queries go through the worker and IndexedDB', async ({ page }) => {
  await openPage(page);
  await page.evaluate(async () => {
    const e2e = (window as any).e2e;
    await e2e.addTask('b task', 1);
    await e2e.addTask('a task', 2);
    await e2e.addTask('c task', 1);
  });
  await expect(page.locator('#tasks li')).toHaveText(['a task', 'b task', 'c task']);
  expect(await page.evaluate(() => (window as any).e2e.query(1))).toEqual(['b task', 'c task']);
  await page.evaluate(() => (window as any).e2e.waitForUpload());
  await expect(page.locator('#status')).toHaveText('connected');
  // A reload keeps the user (localStorage) and the data (IndexedDB).
  const before = await page.evaluate(() => (window as any).e2e.user.id);
  await page.reload();
  await expect(page.locator('#status')).toHaveText('ready');
  const after = await page.evaluate(() => (window as any).e2e.open());
  expect(after.userId).toBe(before);
  await expect(page.locator('#tasks li')).toHaveText(['a task', 'b task', 'c task']);
});

test('two tabs share one socket; a write in one appears in the other; the other takes over', async ({ context }) => {
  const a = await context.newPage();
  const b = await context.newPage();
  const start = await (async () => {
    await a.goto(base() + '/');
    return stats(a);
  })();
  await openPage(a);
  await expect(a.locator('#status')).toHaveText('connected');
  await openPage(b);
  await expect(b.locator('#status')).toHaveText('connected');
  expect(await a.evaluate(() => (window as any).e2e.isLeader())).toBe(true);
  expect(await b.evaluate(() => (window as any).e2e.isLeader())).toBe(false);
  const s1 = await stats(a);
  expect(s1.connections - start.connections).toBe(1);

  await b.evaluate(() => (window as any).e2e.addTask('from tab b'));
  await expect(a.locator('#tasks li', { hasText: 'from tab b' })).toHaveCount(1);
  await b.evaluate(() => (window as any).e2e.waitForUpload());
  await a.evaluate(() => (window as any).e2e.addTask('from tab a'));
  await expect(b.locator('#tasks li', { hasText: 'from tab a' })).toHaveCount(1);

  await a.close();
  await expect.poll(() => b.evaluate(() => (window as any).e2e.isLeader()), { timeout: 10_000 }).toBe(true);
  await expect(b.locator('#status')).toHaveText('connected');
  await b.evaluate(() => (window as any).e2e.addTask('after takeover'));
  await b.evaluate(() => (window as any).e2e.waitForUpload());
  const s2 = await stats(b);
  expect(s2.connections - start.connections).toBe(2);
  expect(s2.openSessions).toBeGreaterThanOrEqual(1);
});

test('an upgrade of the database in another tab is not blocked: this tab closes and reports it', async ({ context }) => {
  const a = await context.newPage();
  const { dbName } = await openPage(a);
  await a.evaluate(() => {
    const e2e = (window as any).e2e;
    e2e.errors = [];
    e2e.db.onError((err: { code: string }) => e2e.errors.push(err.code));
  });
  // A one-shot query opens the page's own read connection (page-reader.ts): it must not block either.
  // (A priority no test writes: the fake server shares every task, so earlier tests' tasks may arrive.)
  expect(await a.evaluate(() => (window as any).e2e.query(-7))).toEqual([]);
  const b = await context.newPage();
  await b.goto(base() + '/');
  const outcome = await b.evaluate(
    (name) =>
      new Promise<string>((resolve) => {
        const req = indexedDB.open(name, 9999);
        let blocked = false;
        req.onblocked = () => (blocked = true);
        req.onsuccess = () => {
          req.result.close();
          resolve(blocked ? 'opened after blocking' : 'opened');
        };
        req.onerror = () => resolve('error');
        setTimeout(() => resolve('still blocked'), 8000);
      }),
    dbName,
  );
  expect(outcome).toMatch(/^opened/);
  await expect.poll(() => a.evaluate(() => (window as any).e2e.errors)).toContain('database_closed');
  expect(await a.evaluate(() => (window as any).e2e.db.isClosed)).toBe(true);
});

test('a query during a write sees all of it or none of it; once the write resolves, every query sees it', async ({ page }) => {
  await openPage(page);
  const seen = await page.evaluate(async () => {
    const e2e = (window as any).e2e;
    const { ObjectId } = e2e.lib;
    const counts = new Set<number>();
    let writing = true;
    const write = e2e.db
      .write((tx: any) => {
        for (let i = 0; i < 2000; i++) tx.create('Task', { _id: new ObjectId(), title: `bulk ${i}`, priority: 77 });
      })
      .finally(() => (writing = false));
    // toArray reads IndexedDB from the page (page-reader.ts), racing the worker's transaction.
    while (writing) counts.add((await e2e.db.objects('Task').filtered('priority == $0', 77).toArray()).length);
    await write;
    const after = (await e2e.db.objects('Task').filtered('priority == $0', 77).toArray()).length;
    return { counts: [...counts], after };
  });
  for (const c of seen.counts) expect([0, 2000]).toContain(c);
  expect(seen.after).toBe(2000);
});

test('a live query sees a write of many objects exactly once, whole', async ({ page }) => {
  await openPage(page);
  const emissions = await page.evaluate(async () => {
    const e2e = (window as any).e2e;
    const { ObjectId } = e2e.lib;
    const sizes: number[] = [];
    const sub = e2e.db.objects('Task').filtered('priority == $0', 55).observe().subscribe((items: unknown[]) => sizes.push(items.length));
    await new Promise((r) => setTimeout(r, 200));
    await e2e.db.write((tx: any) => {
      for (let i = 0; i < 300; i++) tx.create('Task', { _id: new ObjectId(), title: `live ${i}`, priority: 55 });
    });
    await new Promise((r) => setTimeout(r, 500));
    sub.unsubscribe();
    return sizes;
  });
  expect(emissions).toEqual([0, 300]);
});

test('a write that resolved survives the page and its worker going away at once', async ({ context }) => {
  const a = await context.newPage();
  await openPage(a);
  const ids = await a.evaluate(async () => {
    const e2e = (window as any).e2e;
    const { ObjectId } = e2e.lib;
    const out: string[] = [];
    await e2e.db.write((tx: any) => {
      for (let i = 0; i < 500; i++) out.push(tx.create('Task', { _id: new ObjectId(), title: `kept ${i}`, priority: 66 })._id.toHexString());
    });
    return out;
  });
  // No db.close(), no unload handlers: the tab (and its worker) are gone right after the write resolved.
  await a.close({ runBeforeUnload: false });
  const b = await context.newPage();
  await openPage(b);
  const stored = await b.evaluate(async () => {
    const e2e = (window as any).e2e;
    return (await e2e.db.objects('Task').filtered('priority == $0', 66).toArray()).map((t: any) => t._id.toHexString());
  });
  expect(new Set(stored)).toEqual(new Set(ids));
});

test('a worker URL that answers 404 makes open reject with worker_failed naming the URL, within 5 s', async ({ page }) => {
  await page.goto(base() + '/');
  await expect(page.locator('#status')).toHaveText('ready');
  const r = await page.evaluate(() => (window as any).e2e.openWithWorker('missing'));
  expect(r.name).toBe('OutpostError');
  expect(r.code).toBe('worker_failed');
  expect(r.url).toBe(base() + '/no-such-dir/outpost-worker.js');
  expect(r.message).toContain(base() + '/no-such-dir/outpost-worker.js');
  expect(r.message).toContain('HTTP 404');
  expect(r.ms).toBeLessThan(5_000);
});

test('a worker that throws while starting makes open reject with worker_failed and the thrown message', async ({ page }) => {
  await page.goto(base() + '/');
  await expect(page.locator('#status')).toHaveText('ready');
  const r = await page.evaluate(() => (window as any).e2e.openWithWorker('throws'));
  expect(r.code).toBe('worker_failed');
  expect(r.message).toContain('broken build');
  expect(r.ms).toBeLessThan(5_000);
});

test('a worker given as a URL (the app serves the worker module itself) opens a working database', async ({ page }) => {
  await page.goto(base() + '/');
  await expect(page.locator('#status')).toHaveText('ready');
  const r = await page.evaluate(() => (window as any).e2e.openWithWorker('url'));
  expect(r.message).toBe('opened');
  expect(r.titles).toEqual(['via url']);
});

test('a bootstrap interrupted by a reload resumes from what it stored; until it ends, queries see the state before it', async ({ page }) => {
  await openPage(page);
  await page.evaluate(() => (window as any).e2e.waitForDownload());
  await page.evaluate(() => (window as any).e2e.pauseSync());
  // 24 tasks the page has not seen, one history entry each: a bootstrap of 6 batches of 4.
  await page.evaluate(async () => {
    await fetch('/__test/seed?n=24&priority=4242');
    await fetch('/__test/stall-bootstrap?after=3');
  });
  await page.evaluate(async () => {
    const e2e = (window as any).e2e;
    await e2e.subscribeAll();
    await e2e.resumeSync();
  });
  await expect.poll(() => page.evaluate(() => (window as any).e2e.stagedRows()), { timeout: 10_000 }).toBe(3);
  // 12 tasks are stored but not visible: queries and the live list see the state before the bootstrap.
  expect(await page.evaluate(() => (window as any).e2e.query(4242))).toEqual([]);
  expect(await page.evaluate(() => (window as any).e2e.titles.filter((t: string) => t.startsWith('seeded')))).toEqual([]);
  expect(await page.evaluate(() => (window as any).e2e.subscriptionState())).toBe('bootstrapping');
  const before = await stats(page);

  await page.reload();
  await expect(page.locator('#status')).toHaveText('ready');
  await page.evaluate(() => (window as any).e2e.open());
  await page.evaluate(() => (window as any).e2e.waitForSubscriptions());
  const titles: string[] = await page.evaluate(() => (window as any).e2e.query(4242));
  expect(titles).toHaveLength(24);
  expect(new Set(titles).size).toBe(24);
  expect(await page.evaluate(() => (window as any).e2e.stagedRows())).toBe(0);
  // The reloaded page continued after the 12 stored tasks: only the other 12 were sent again.
  const after = await stats(page);
  expect(after.identCursors.at(-1)).toBeGreaterThan(before.identCursors.at(-1)!);
  expect(after.itemsSent - before.itemsSent).toBe(12);
});
