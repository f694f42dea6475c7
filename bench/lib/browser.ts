import { mkdtempSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright';
import { build } from 'vite';
import { descendants } from './server-proc.ts';

/*
 * Headless Chromium for the browser benchmarks: Debian's build, the flags the project's browser
 * tests use, and a Vite production build of a bench page (its worker bundled the way an app's
 * would be). The page is served by the Outpost server itself (staticDir), so page, WebSocket and
 * HTTP share one origin and one process.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Builds the page whose index.html is in `root` into a new temporary directory. */
export async function buildPage(root: string): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'outpost-bench-page-'));
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    // RxDB ships its own Dexie (4.4.2) and Dexie refuses to share a page with another version of
    // itself: every contestant uses the project's Dexie (4.4.7).
    resolve: { dedupe: ['dexie'] },
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: process.env.OUTPOST_BENCH_UNMINIFIED !== '1', sourcemap: false, chunkSizeWarningLimit: 10_000 },
    worker: { format: 'es' },
  });
  return outDir;
}

/** Resident memory of every Chromium process this process started (browser, renderers, utilities). */
export function chromiumRss(): number {
  let total = 0;
  for (const pid of descendants(process.pid)) {
    try {
      if (!readlinkSync(`/proc/${pid}/exe`).includes('chrom')) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
