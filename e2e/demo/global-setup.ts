import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'vite';

/*
 * Once per run: check that Chromium is there (fail loudly, not with a timeout), build the demo
 * and the dashboard into a temporary directory (never touching dist/demo, which `npm start` serves), and seed a
 * template data directory that every test copies (seeding hashes passwords and writes 230
 * changesets; copying a stopped server's directory takes milliseconds).
 */

const REPO = resolve(import.meta.dirname, '../..');

export default async function globalSetup(): Promise<() => void> {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    throw new Error(`Chromium not found at ${chromium}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  const root = mkdtempSync(join(tmpdir(), 'outpost-demo-e2e-'));
  const staticDir = join(root, 'static');
  const template = join(root, 'template');
  await build({ configFile: resolve(REPO, 'demo/vite.config.ts'), logLevel: 'error', build: { outDir: staticDir, emptyOutDir: true } });
  // The operator's dashboard too (served under /admin), also away from dist/.
  const adminDir = join(root, 'admin');
  await build({ configFile: resolve(REPO, 'admin/vite.config.ts'), logLevel: 'error', build: { outDir: adminDir, emptyOutDir: true } });
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/seed-demo.ts', '--config', 'outpost.config.json', '--dev'], {
    cwd: REPO,
    env: { ...process.env, OUTPOST_STORE: template, OUTPOST_LOG_LEVEL: 'warn' },
  });
  process.env.OUTPOST_DEMO_STATIC = staticDir;
  process.env.OUTPOST_DEMO_ADMIN = adminDir;
  process.env.OUTPOST_DEMO_TEMPLATE = template;
  return () => rmSync(root, { recursive: true, force: true });
}
