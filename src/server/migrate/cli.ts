import { realpathSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MAX_INSERT_MANY } from '../sync/data-api.ts';
import { OutpostError } from '../../errors.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import { importApp } from './import-app.ts';
import { importData, type ImportProgress } from './import-data.ts';
import { serverSink, storeSink, type Sink } from './sinks.ts';

/*
 * The `outpost` command (bin/outpost.js): tools for moving an app to Outpost.
 *
 *   outpost import-app <export-dir> [--out outpost.config.json]
 *   outpost import-data --type <Type> <file> (--server <url> [--admin-key <key>] | --config <cfg>) [--restart]
 */

const USAGE = `usage:
  outpost import-app <export-dir> [--out outpost.config.json]
      An App Services export (appservices pull) to an Outpost configuration, with a report of
      what could not be carried over (also written to <out>.import-report.txt).
  outpost import-data --type <Type> <file> --server <url> [--admin-key <key>] [--config <cfg>] [--restart] [--batch <n>]
  outpost import-data --type <Type> <file> --config <cfg> [--restart] [--batch <n>]
      MongoDB Extended JSON (mongoexport's one document a line, or a JSON array) into a running
      server (--server; the admin key from --admin-key, OUTPOST_ADMIN_KEY or the config), or into
      the configured store while no server runs on it. Resumes after an interruption from
      <file>.progress.json unless --restart. --batch: documents per changeset (default 200,
      at most 1000; 1 writes each document on its own, as before batching).
`;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly isTTY: boolean;
}

const defaultIo = (): CliIo => ({
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  cwd: process.cwd(),
  isTTY: process.stderr.isTTY === true,
});

function bar(p: ImportProgress & { bytesRead: number }, started: number): string {
  const ratio = p.size > 0 ? Math.min(1, p.bytesRead / p.size) : 1;
  const width = 30;
  const filled = Math.round(ratio * width);
  const rate = (p.imported + p.existing + p.failed) / Math.max(0.001, (Date.now() - started) / 1000);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%  line ${p.line}  imported ${p.imported}  already there ${p.existing}  failed ${p.failed}  ${rate.toFixed(0)}/s`;
}

async function runImportApp(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { out: { type: 'string', default: 'outpost.config.json' } }, allowPositionals: true });
  if (positionals.length !== 1) {
    io.err(USAGE);
    return 2;
  }
  const dir = resolve(io.cwd, positionals[0]!);
  const out = resolve(io.cwd, values.out!);
  const { config, notes } = importApp(dir);
  writeFileSync(out, JSON.stringify(config, null, 2) + '\n');
  const report = notes.format();
  const reportFile = out.replace(/\.json$/, '') + '.import-report.txt';
  writeFileSync(reportFile, report);
  io.out(`wrote ${out}\n\n${report}\n(report kept in ${reportFile})\n`);
  return 0;
}

async function runImportData(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      type: { type: 'string' },
      config: { type: 'string' },
      server: { type: 'string' },
      'admin-key': { type: 'string' },
      restart: { type: 'boolean', default: false },
      batch: { type: 'string' },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1 || !values.type || (!values.server && !values.config)) {
    io.err(USAGE);
    return 2;
  }
  const batch = values.batch === undefined ? 200 : Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > MAX_INSERT_MANY) {
    io.err(`outpost import-data: --batch must be a whole number from 1 to ${MAX_INSERT_MANY}\n`);
    return 2;
  }
  const file = resolve(io.cwd, positionals[0]!);
  const config = values.config ? loadConfig({ argv: ['--config', values.config], env: io.env, cwd: io.cwd }) : undefined;
  let sink: Sink;
  if (values.server) {
    const key = values['admin-key'] ?? io.env.OUTPOST_ADMIN_KEY ?? config?.adminKey;
    if (!key) {
      io.err('outpost import-data: --server needs the admin key (--admin-key, OUTPOST_ADMIN_KEY, or adminKey in --config)\n');
      return 2;
    }
    sink = await serverSink(values.server, key);
  } else sink = await storeSink(config!);
  const started = Date.now();
  try {
    const result = await importData({
      file,
      type: values.type,
      schema: sink.schema,
      insert: sink.insert,
      ...(batch > 1 ? { insertMany: sink.insertMany } : {}),
      batch,
      restart: values.restart === true,
      onProgress: (p) => {
        if (io.isTTY) io.err(`\r${bar(p, started)}`);
        else if (p.done || (p.imported + p.existing + p.failed) % 5000 < 200) io.err(`${bar(p, started)}\n`);
      },
      onError: (e) => io.err(`${io.isTTY ? '\n' : ''}${file}:${e.message}\n`),
    });
    if (io.isTTY) io.err('\n');
    if (result.resumedAfter > 0) io.out(`resumed after line ${result.resumedAfter}\n`);
    io.out(`${values.type}: ${result.imported} imported, ${result.existing} already there, ${result.failed} refused (line ${result.line} of ${file})\n`);
    return result.failed > 0 ? 1 : 0;
  } finally {
    await sink.close();
  }
}

/** Runs the command; returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'import-app') return await runImportApp(rest, io);
    if (command === 'import-data') return await runImportData(rest, io);
    io.err(command === undefined || command === '--help' || command === 'help' ? USAGE : `outpost: unknown command ${JSON.stringify(command)}\n${USAGE}`);
    return command === undefined || command === '--help' || command === 'help' ? 0 : 2;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof OutpostError) {
      io.err(`outpost ${command}: ${err.message}\n`);
      return 1;
    }
    if ((err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      io.err(`outpost ${command}: ${(err as Error).message}\n${USAGE}`);
      return 2;
    }
    io.err(`outpost ${command}: ${(err as Error).message}\n`);
    return 1;
  }
}

export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2));
}

const isEntry = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();
if (isEntry) void main();
