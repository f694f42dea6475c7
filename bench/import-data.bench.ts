import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';

/*
 * `outpost import-data` throughput into a running server (the real process, its embedded SQLite
 * store), one document per changeset (`--batch 1`, the behaviour before batching) against the
 * default batches of 200 (the data API's insertMany), in the same run on the same server. Each
 * round imports a fresh file of todo-template items (new _ids) in both modes, alternating which
 * goes first; the figure is documents a second, and the ratio batch / single.
 *
 *   node --import tsx bench/import-data.bench.ts [--docs 2000] [--rounds 2]
 *
 * Writes bench/results/import-data.json.
 */

const REPO = resolve(import.meta.dirname, '..');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DOCS = arg('docs', 2000);
const ROUNDS = arg('rounds', 2);
const ADMIN_KEY = 'bench-admin-key-bench-admin-key-bench-admin-key-01';

function run(args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'outpost.js'), ...args], { cwd, env: { ...process.env, OUTPOST_ADMIN_KEY: ADMIN_KEY }, stdio: ['ignore', 'pipe', 'pipe'] });
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

let seq = 0;
function dumpFile(dir: string): string {
  const lines: string[] = [];
  for (let i = 0; i < DOCS; i++) {
    const id = (++seq).toString(16).padStart(24, '0');
    lines.push(JSON.stringify({ _id: { $oid: id }, isComplete: i % 3 === 0, owner_id: `user-${i % 50}`, summary: `Item number ${seq} to import` }));
  }
  const file = join(dir, `items-${seq}.json`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'outpost-import-bench-'));
  let server: ChildProcess | undefined;
  try {
    const imported = await run(['import-app', join(REPO, 'src/server/migrate/testing/fixtures/todo-template/export'), '--out', join(dir, 'outpost.config.json')], dir);
    if (imported.code !== 0) throw new Error(imported.err);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [join(REPO, 'bin', 'outpost-server.js'), '--config', join(dir, 'outpost.config.json')], {
      cwd: dir,
      env: { ...process.env, OUTPOST_PORT: String(port), OUTPOST_HOST: '127.0.0.1', OUTPOST_STORE: join(dir, 'data'), OUTPOST_JWT_SECRET: 'x'.repeat(40), OUTPOST_ADMIN_KEY: ADMIN_KEY, OUTPOST_LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    for (let i = 0; ; i++) {
      if ((await fetch(url + '/api/health').then((r) => r.status, () => 0)) === 200) break;
      if (i > 600) throw new Error('the server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const rates: Record<'single' | 'batch', number[]> = { single: [], batch: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order: ('single' | 'batch')[] = round % 2 === 0 ? ['single', 'batch'] : ['batch', 'single'];
      for (const mode of order) {
        const file = dumpFile(dir);
        const start = performance.now();
        const r = await run(['import-data', '--server', url, '--type', 'Item', file, '--batch', mode === 'single' ? '1' : '200'], dir);
        const seconds = (performance.now() - start) / 1000;
        if (r.code !== 0 || !r.out.includes(`${DOCS} imported`)) throw new Error(`import failed: ${r.out}${r.err}`);
        rates[mode].push(DOCS / seconds);
        console.log(`round ${round + 1} ${mode}: ${DOCS} documents in ${seconds.toFixed(2)} s = ${(DOCS / seconds).toFixed(0)} docs/s`);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const result = {
      suite: 'import-data',
      docs: DOCS,
      rounds: ROUNDS,
      machine: { cpus: os.cpus().length, loadavg: os.loadavg() },
      docsPerSecond: { single: median(rates.single), batch: median(rates.batch) },
      ratio: median(rates.batch) / median(rates.single),
      runs: rates,
    };
    writeFileSync(join(REPO, 'bench', 'results', 'import-data.json'), JSON.stringify(result, null, 2) + '\n');
    console.log(`median: single ${result.docsPerSecond.single.toFixed(0)} docs/s, batch ${result.docsPerSecond.batch.toFixed(0)} docs/s, ratio ${result.ratio.toFixed(1)}x (load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
