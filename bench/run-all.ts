import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { CHROMIUM } from './lib/browser.ts';
import { curveTable, measuresTable, parseBenchArgs, type Curve, type SuiteResult } from './lib/report.ts';
import { renderCurves, type PanelSpec } from './lib/svg.ts';
import { PG } from './lib/throughput.ts';

/*
 * `npm run bench`: every suite, one after the other, each in its own process (so one suite's
 * heap, JIT and leftovers never colour the next), then bench/results/latest.json (everything,
 * with every run), latest.md (the tables) and curves.svg (the scale curves).
 *
 *   npm run bench                      the full run (about an hour and a half on 2 cores)
 *   npm run bench -- --smoke           every suite at tiny sizes, for CI; writes to a temp dir
 *   BENCH_SMOKE=1 npm run bench        the same
 *   npm run bench -- --only server,client --runs 7
 *
 * Exits non-zero if any suite fails (the others still run, and the failure is in the report).
 */

const SUITES = [
  { name: 'bench:merge', file: 'merge.bench.ts' },
  { name: 'bench:query', file: 'query.bench.ts' },
  { name: 'bench:server', file: 'server.bench.ts' },
  { name: 'bench:client', file: 'client.bench.ts' },
] as const;

const args = parseBenchArgs();
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? process.argv[onlyArg + 1]!.split(',').map((s) => `bench:${s.replace(/^bench:/, '')}`) : undefined;
const here = import.meta.dirname;
const outDir = args.smoke ? mkdtempSync(join(os.tmpdir(), 'outpost-bench-smoke-')) : resolve(here, 'results');
const work = mkdtempSync(join(os.tmpdir(), 'outpost-bench-run-'));
// Smoke mode exists for CI: a hung suite must fail the job, not stall it.
const suiteTimeoutMs = args.smoke ? 5 * 60_000 : 4 * 3600_000;

function runSuite(file: string, json: string): Promise<{ code: number; ms: number }> {
  const t0 = Date.now();
  const argv = ['--import', 'tsx', join(here, file), '--json', json, '--runs', String(args.runs), ...(args.smoke ? ['--smoke'] : [])];
  return new Promise((res) => {
    const child = spawn(process.execPath, argv, { stdio: 'inherit', env: { ...process.env, BENCH_SMOKE: args.smoke ? '1' : '' } });
    const timer = setTimeout(() => {
      console.error(`${file}: no result after ${suiteTimeoutMs / 60_000} minutes, killing it`);
      child.kill('SIGKILL');
    }, suiteTimeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      res({ code: code ?? (signal ? 1 : 0), ms: Date.now() - t0 });
    });
  });
}

async function machine(): Promise<Record<string, string | number>> {
  const cpus = os.cpus();
  const info: Record<string, string | number> = {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
  try {
    info.chromium = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    info.chromium = `not found at ${CHROMIUM}`;
  }
  const db = new Database(':memory:');
  info.sqlite = String((db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v);
  db.close();
  const c = new pg.Client(PG);
  try {
    await c.connect();
    info.postgresql = String((await c.query('SHOW server_version')).rows[0].server_version);
  } catch (err) {
    info.postgresql = `unreachable: ${(err as Error).message}`;
  } finally {
    await c.end().catch(() => {});
  }
  info['load average at start (1/5/15 min)'] = os.loadavg().map((x) => x.toFixed(2)).join(' / ');
  return info;
}

const started = Date.now();
const info = await machine();
const suites: SuiteResult[] = [];
const failures: string[] = [];
for (const s of SUITES) {
  if (only && !only.includes(s.name)) continue;
  console.log(`\n=== ${s.name}${args.smoke ? ' (smoke)' : ''} ===`);
  const json = join(work, `${s.file}.json`);
  const r = await runSuite(s.file, json);
  if (r.code !== 0) {
    failures.push(`${s.name} exited with code ${r.code} after ${(r.ms / 1000).toFixed(0)} s`);
    continue;
  }
  try {
    suites.push(JSON.parse(readFileSync(json, 'utf8')) as SuiteResult);
  } catch (err) {
    failures.push(`${s.name} wrote no readable result: ${(err as Error).message}`);
  }
}
info['load average at end (1/5/15 min)'] = os.loadavg().map((x) => x.toFixed(2)).join(' / ');
rmSync(work, { recursive: true, force: true });

const report = { startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, smoke: args.smoke, runs: args.runs, machine: info, failures, suites };
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');

// Which extra series each curve's panel draws next to its median (baselines first).
const SERIES: Record<string, string[]> = {
  'server.fanout': ['ws floor p50 (ms)', 'p99 (ms)'],
  'merge.rebase': ['decode baseline (ms)'],
  'client.initialSync': ['floor (s)'],
  'client.initialSyncNode': [],
  'client.initialSyncServerMemory': [],
  'server.connect': [],
  'server.merge.sqlite.writers': ['raw inserts/s'],
  'server.merge.postgres.writers': ['raw inserts/s'],
};
const curves: Curve[] = suites.flatMap((s) => s.curves);
const panels: PanelSpec[] = curves.map((c) => ({ curve: c, series: SERIES[c.id] ?? [] }));
if (panels.length) writeFileSync(join(outDir, 'curves.svg'), renderCurves(panels, `Outpost scale curves — ${new Date(started).toISOString().slice(0, 10)}, ${info.cpu}, ${info.cores} cores${args.smoke ? ' (smoke sizes)' : ''}`) + '\n');

const md: string[] = [
  `# Outpost benchmark results${args.smoke ? ' (smoke)' : ''}`,
  '',
  `Run ${report.startedAt}, ${(report.durationMs / 60_000).toFixed(1)} minutes, ${args.runs} measured runs per figure (after warm-up). Every figure is a median; a ratio is against a baseline measured in the same run (value ÷ baseline, the median of per-run ratios). Generated by \`npm run bench\` (bench/run-all.ts); see docs/benchmarks.md for what each figure means.`,
  '',
  '| machine | |',
  '|---|---|',
  ...Object.entries(info).map(([k, v]) => `| ${k} | ${v} |`),
  '',
  ...(failures.length ? ['## Failures', '', ...failures.map((f) => `- ${f}`), ''] : []),
  ...(panels.length ? ['![scale curves](curves.svg)', ''] : []),
];
for (const s of suites) {
  md.push(`## ${s.suite}`, '', `${(s.durationMs / 1000).toFixed(0)} s.${Object.keys(s.info).length ? ' ' + Object.entries(s.info).map(([k, v]) => `${k}: ${v}`).join('; ') + '.' : ''}`, '');
  if (s.measures.length) md.push(measuresTable(s.measures), '');
  for (const c of s.curves) md.push(curveTable(c), '');
  for (const n of s.notes) md.push(`Note: ${n}`, '');
}
writeFileSync(join(outDir, 'latest.md'), md.join('\n'));
console.log(`\nwrote ${join(outDir, 'latest.json')}, latest.md${panels.length ? ', curves.svg' : ''}`);
if (failures.length) {
  console.error(`\n${failures.length} suite(s) failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
