import { resolve } from 'node:path';
import { chromium } from 'playwright';
import { buildPage, REPO, startPageServer } from '../e2e/fixtures/page-server.ts';

/*
 * The client benchmark, in headless Chromium, one page, 10,000 work orders (override with
 * `-- --n 20000`):
 *   - creating them: one db.write vs raw IndexedDB puts in one transaction vs Dexie bulkPut;
 *   - write-to-observer latency (p50 / p95) with all of them in the observed collection;
 *   - an indexed equality query vs Dexie where().equals().
 * Run: npx tsx bench/client.bench.ts
 */

const nArg = process.argv.indexOf('--n');
const n = nArg > 0 ? Number(process.argv[nArg + 1]) : 10_000;

const dir = await buildPage(resolve(REPO, 'test-pages/bench'));
const server = await startPageServer({ pageDir: dir, schema: [] });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(server.url + '/');
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  const r = await page.evaluate((count) => (window as unknown as { runBench(n: number): Promise<Record<string, number>> }).runBench(count), n);
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const ratio = (x: number, base: number) => `${(x / base).toFixed(2)}x`;
  const rows: [string, string, string][] = [
    [`create ${n}: Outpost db.write (one transaction, strict)`, ms(r.writeOutpost!), ratio(r.writeOutpost!, r.rawDefault!)],
    [`  of which recording on the page (validation)`, ms(r.recordOnly!), ''],
    [`create ${n}: raw IndexedDB puts (default durability)`, ms(r.rawDefault!), '1.00x'],
    [`create ${n}: raw IndexedDB puts (strict durability)`, ms(r.rawStrict!), ratio(r.rawStrict!, r.rawDefault!)],
    [`create ${n}: Dexie bulkPut`, ms(r.dexieBulkPut!), ratio(r.dexieBulkPut!, r.rawDefault!)],
    [`write → observer, field update, ${n} observed: p50`, ms(r.latencyFieldP50!), ''],
    [`write → observer, field update, ${n} observed: p95`, ms(r.latencyFieldP95!), ''],
    [`write → observer, sort key update (sorted), p50`, ms(r.latencySortedP50!), ''],
    [`write → observer, sort key update (sorted), p95`, ms(r.latencySortedP95!), ''],
    [`indexed equality (${r.queryCount} of ${n}): Outpost toArray`, ms(r.queryOutpost!), ratio(r.queryOutpost!, r.queryDexie!)],
    [`indexed equality (${r.queryCount} of ${n}): Dexie where().equals()`, ms(r.queryDexie!), '1.00x'],
  ];
  const w = Math.max(...rows.map((x) => x[0].length));
  console.log(`\nOutpost client benchmark — Chromium ${browser.version()}\n`);
  console.log(`${'case'.padEnd(w)}  ${'time'.padStart(11)}  ${'ratio'.padStart(7)}`);
  console.log(`${'-'.repeat(w)}  ${'-'.repeat(11)}  ${'-'.repeat(7)}`);
  for (const [name, t, rt] of rows) console.log(`${name.padEnd(w)}  ${t.padStart(11)}  ${rt.padStart(7)}`);
} finally {
  await browser.close();
  await server.close();
}
