import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openStore } from '../store/open.ts';
import { DataApi } from '../sync/data-api.ts';
import { SyncEngine } from '../sync/engine.ts';
import { runCli, type CliIo } from './cli.ts';

/*
 * The `outpost` command in-process: import-app writes the config and the report; import-data
 * with --config (no server running) writes into the configured store through the history.
 */

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'testing', 'fixtures');
const SECRET = 'cli-test-secret-cli-test-secret-0123456789';

function io(cwd: string): CliIo & { text: () => string } {
  let out = '';
  return { out: (t) => (out += t), err: (t) => (out += t), env: { OUTPOST_JWT_SECRET: SECRET }, cwd, isTTY: false, text: () => out };
}

describe('outpost command', () => {
  it('import-app then import-data --config into the store, through the history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-cli-'));
    const a = io(dir);
    expect(await runCli(['import-app', join(fixtures, 'todo-template', 'export'), '--out', 'outpost.config.json'], a)).toBe(0);
    expect(a.text()).toContain('search (Atlas Search) has no Outpost equivalent');
    expect(readFileSync(join(dir, 'outpost.config.import-report.txt'), 'utf8')).toContain('NOT CARRIED OVER');
    const config = JSON.parse(readFileSync(join(dir, 'outpost.config.json'), 'utf8'));
    config.store = './data';
    writeFileSync(join(dir, 'outpost.config.json'), JSON.stringify(config));

    writeFileSync(
      join(dir, 'Item.json'),
      [
        '{"_id":{"$oid":"000000000000000000000001"},"isComplete":false,"owner_id":"u1","summary":"one"}',
        '{"_id":{"$oid":"000000000000000000000002"},"isComplete":"no","owner_id":"u1","summary":"two"}',
        '{"_id":{"$oid":"000000000000000000000003"},"isComplete":true,"owner_id":"u2","summary":"three"}',
      ].join('\n'),
    );
    const b = io(dir);
    expect(await runCli(['import-data', '--config', 'outpost.config.json', '--type', 'Item', 'Item.json'], b)).toBe(1);
    expect(b.text()).toContain('Item.json:line 2: Item.isComplete: expected bool');
    expect(b.text()).toContain('Item: 2 imported, 0 already there, 1 refused');

    const store = await openStore(join(dir, 'data'));
    try {
      const engine = await SyncEngine.open({ store });
      // Both documents in one changeset (a batch is one insertMany).
      expect(engine.latestVersion).toBe(1);
      const got = await new DataApi(engine).handle({ kind: 'admin' }, { action: 'query', type: 'Item', body: { query: 'TRUEPREDICATE SORT(summary ASC)' } });
      expect((got.body as { objects: { summary: string }[] }).objects.map((o) => o.summary)).toEqual(['one', 'three']);
      engine.close();
    } finally {
      await store.close();
    }
  });

  it('usage and unknown commands', async () => {
    const a = io(tmpdir());
    expect(await runCli(['frobnicate'], a)).toBe(2);
    expect(a.text()).toContain('unknown command "frobnicate"');
    const b = io(tmpdir());
    expect(await runCli(['import-data', 'x.json'], b)).toBe(2);
    expect(b.text()).toContain('usage:');
  });
});
