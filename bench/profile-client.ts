import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CDPSession, Page } from 'playwright';
import { queryable, schema } from './lib/data.ts';
import { buildPage, launchBrowser } from './lib/browser.ts';
import { startServerProcess } from './lib/server-proc.ts';
import { seed } from './lib/seed.ts';

/*
 * CPU profiles of Outpost's local operations in the benchmark page (bench/pages/client), one per
 * stage of bench:client's Outpost contestant (insert, query, observe), each taken on the page and
 * on the worker at once through CDP's Profiler. Prints, per stage and thread, the busiest
 * functions by self time and by category (Outpost source file, library, IndexedDB/GC/idle), and
 * writes the .cpuprofile files (open them in Chrome DevTools).
 * The bench page is a production build without source maps: function names survive minification
 * poorly, so the page is built unminified here (OUTPOST_BENCH_UNMINIFIED).
 * With `--sync N`, instead: the initial sync of N objects seeded on the server (bench:client's
 * `initialSync`), profiled on the page and the worker.
 * Run: npx tsx bench/profile-client.ts [--n 10000] [--rounds 30] [--out /tmp/outpost-profiles] [--sync 20000]
 */

const argv = process.argv.slice(2);
const at = (name: string, d: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : d);
const n = Number(at('--n', '10000'));
const rounds = Number(at('--rounds', '30'));
const out = at('--out', join(tmpdir(), 'outpost-profiles'));
const syncN = Number(at('--sync', '0'));
mkdirSync(out, { recursive: true });

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** One profiled thread: the page (a CDP session) or its worker (a target session inside it). */
interface Thread {
  readonly name: string;
  send(method: string, params?: object): Promise<unknown>;
}

function pageThread(cdp: CDPSession): Thread {
  return { name: 'page', send: (m, p) => cdp.send(m as never, p as never) };
}

/** The worker, reached through Target.sendMessageToTarget from the page's session. */
async function workerThreads(cdp: CDPSession, startOnAttach: boolean): Promise<() => Thread[]> {
  const threads: Thread[] = [];
  const pending = new Map<number, (v: unknown) => void>();
  let seq = 1_000_000;
  cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
    const m = JSON.parse(e.message) as { id?: number; result?: unknown; error?: unknown };
    if (m.id !== undefined && pending.has(m.id)) {
      pending.get(m.id)!(m.error ? Promise.reject(new Error(JSON.stringify(m.error))) : m.result);
      pending.delete(m.id);
    }
  });
  cdp.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { type: string } }) => {
    if (e.targetInfo.type !== 'worker') return;
    const t: Thread = {
      name: 'worker',
      send: (method, params = {}) =>
        new Promise((res) => {
          const id = seq++;
          pending.set(id, res);
          void cdp.send('Target.sendMessageToTarget', { sessionId: e.sessionId, message: JSON.stringify({ id, method, params }) });
        }),
    };
    threads.push(t);
    void (async () => {
      await t.send('Profiler.enable');
      await t.send('Profiler.setSamplingInterval', { interval: startOnAttach ? 1000 : 100 });
      // A worker started by the profiled stage itself (an initial sync) is profiled from its start.
      if (startOnAttach) await t.send('Profiler.start');
      await t.send('Runtime.runIfWaitingForDebugger');
    })();
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
  return () => threads;
}

function summarize(p: Profile): { total: number; top: [string, number][]; cats: [string, number][] } {
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const self = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0) / 1000);
  const fn = new Map<string, number>();
  const cat = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    const f = node.callFrame;
    const file = f.url.split('/').pop() ?? '';
    const name = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + ms);
    const c = f.url === '' ? f.functionName : file.replace(/-[\w-]{8}\.js$/, '');
    cat.set(c, (cat.get(c) ?? 0) + ms);
    if (f.functionName !== '(idle)') total += ms;
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, 25);
  return { total, top: sorted(fn), cats: sorted(cat) };
}

const evaluate = (page: Page, name: string, ...a: unknown[]) =>
  page.evaluate(([nm, xs]) => (window as unknown as { bench: Record<string, (...v: unknown[]) => unknown> }).bench[nm as string]!(...(xs as unknown[])), [name, a] as const);

process.env.OUTPOST_BENCH_UNMINIFIED = '1';
const pageDir = await buildPage(resolve(import.meta.dirname, 'pages/client'));
const store = mkdtempSync(join(tmpdir(), 'outpost-prof-'));
let srv = await startServerProcess({ store, schema, queryable, staticDir: pageDir, ...(syncN ? { messagesPerSecond: 100_000, bytesPerSecond: 1024 ** 3 } : {}) });
if (syncN) {
  await seed(srv.wsUrl, await srv.login(), syncN);
  await srv.stop();
  srv = await startServerProcess({ store, schema, queryable, staticDir: pageDir });
}
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(srv.url + '/');
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  // Warm-up (JIT), as the benchmark does.
  if (!syncN) {
    await evaluate(page, 'peer', 'outpost', 1000, 3);
    await evaluate(page, 'peer', 'idb-strict', n, 3);
  }
  const cdp = await page.context().newCDPSession(page);
  const workers = await workerThreads(cdp, syncN > 0);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: syncN ? 1000 : 100 });
  if (!syncN) await evaluate(page, 'outpostOpen', n);
  const stages: [string, () => Promise<unknown>][] = syncN
    ? [['initial-sync', () => evaluate(page, 'initialSync', syncN, true)]]
    : [
        ['insert', () => evaluate(page, 'outpostInsert')],
        ['query', () => evaluate(page, 'outpostQuery')],
        ['observe-query', () => evaluate(page, 'outpostObserve', 'query', rounds)],
        ['observe-sorted', () => evaluate(page, 'outpostObserve', 'sorted', rounds)],
      ];
  for (const [stage, run] of stages) {
    const threads = [pageThread(cdp), ...workers()];
    for (const t of threads) await t.send('Profiler.start');
    const result = await run();
    console.log(`\n=== ${stage}: ${JSON.stringify(result)}`);
    for (const t of [pageThread(cdp), ...workers()]) {
      const { profile } = (await t.send('Profiler.stop')) as { profile: Profile };
      writeFileSync(join(out, `${stage}-${t.name}.cpuprofile`), JSON.stringify(profile));
      const s = summarize(profile);
      console.log(`--- ${t.name}: ${s.total.toFixed(1)} ms busy over ${((profile.endTime - profile.startTime) / 1000).toFixed(1)} ms`);
      console.log('  by category: ' + s.cats.map(([c, ms]) => `${c} ${ms.toFixed(1)}`).join(', '));
      for (const [f, ms] of s.top.slice(0, 18)) console.log(`  ${ms.toFixed(1).padStart(8)}  ${f}`);
    }
  }
  if (!syncN) await evaluate(page, 'outpostClose');
  console.log(`\nprofiles in ${out}`);
} finally {
  await browser.close();
  await srv.stop();
  rmSync(pageDir, { recursive: true, force: true });
  rmSync(store, { recursive: true, force: true });
}
