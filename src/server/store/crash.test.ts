/**
 * Crash safety: a child process appends in a loop and reports every acknowledged version; it is
 * killed with SIGKILL mid-stream; the store reopened afterwards must hold every acknowledged
 * version, and no half-applied transaction (each one appends one history row and increments one
 * counter, so after recovery counter == number of history rows, versions 1..latest with no gap).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { keyOf } from '../testing/store-contract/fixtures.ts';
import { PostgresStore } from './postgres.ts';
import { dropSchema, openTestStore, PG_TEST, uniqueSchema } from '../testing/shared-postgres.ts';
import { SqliteStore } from './sqlite.ts';
import type { ServerStore } from './types.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

/** Runs the child until it acknowledged `acks` more versions, then SIGKILLs it; returns what it acknowledged. */
function runAndKill(kind: 'sqlite' | 'postgres', where: string, acks: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, '..', 'testing', 'store-crash-child.ts'), kind, where], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let buffer = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const m = /^ack (\d+)$/.exec(line);
        if (m) acked.push(Number(m[1]));
        if (!killed && acked.length >= acks) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`the child exited by itself (code ${code}): ${stderr}`));
      else resolve(acked);
    });
  });
}

async function checkRecovered(store: ServerStore, acked: readonly number[]): Promise<number> {
  const latest = await store.latestVersion();
  const history = await store.history(0, latest);
  // Every acknowledged version survived...
  expect(latest).toBeGreaterThanOrEqual(Math.max(0, ...acked));
  const versions = new Set(history.map((r) => r.version));
  for (const v of acked) expect(versions.has(v)).toBe(true);
  // ...the history has no gap...
  expect(history.map((r) => r.version)).toEqual(Array.from({ length: latest }, (_, i) => i + 1));
  // ...and no transaction is half there: one counter increment per history row.
  const counter = (await store.getObjects([{ type: 'Counter', pk: 1 }])).get(keyOf('Counter', 1));
  expect(counter?.n ?? 0).toBe(history.length);
  return latest;
}

describe('crash safety', () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-crash-'));
  const schema = uniqueSchema('outpost_crash');
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it('SQLite: every acknowledged transaction survives SIGKILL, none is half-applied', async () => {
    const data = join(dir, 'sqlite');
    let total: number[] = [];
    for (const acks of [150, 40, 300]) {
      const acked = await runAndKill('sqlite', data, acks);
      expect(acked.length).toBeGreaterThanOrEqual(acks);
      total = total.concat(acked);
      const store = SqliteStore.open({ dir: data });
      try {
        await checkRecovered(store, total);
      } finally {
        await store.close();
      }
    }
  });

  it('PostgreSQL: every acknowledged transaction survives SIGKILL, none is half-applied', async () => {
    // Create the schema first, so the child's only work is appending.
    await (await openTestStore(schema)).close();
    let total: number[] = [];
    for (const acks of [100, 250]) {
      const acked = await runAndKill('postgres', schema, acks);
      total = total.concat(acked);
      const store = await PostgresStore.open({ connection: { ...PG_TEST }, schema, onError: () => {} });
      try {
        await checkRecovered(store, total);
      } finally {
        await store.close();
      }
    }
  });
});
