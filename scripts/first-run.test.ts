import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';

/*
 * What a first run prints: `npm start`'s server (scripts/start-demo.ts) says where to go and how
 * to log in in plain words; a port that is taken says how to pick another. Real processes.
 */

const root = resolve(import.meta.dirname, '..');
// Absolute: the processes run in a temporary directory, where `--import tsx` would not resolve.
const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;

function run(script: string, args: string[], cwd: string, until: (out: string) => boolean) {
  const child = spawn(process.execPath, ['--import', tsx, script, ...args], {
    cwd,
    env: { ...process.env, OUTPOST_HOST: '127.0.0.1', OUTPOST_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise<{ out: string; err: string; code: number | null; stop(): Promise<number | null> }>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no expected output in 60 s: ${out}${err}`)), 60_000);
    const stop = () =>
      new Promise<number | null>((r) => {
        if (child.exitCode !== null) return r(child.exitCode);
        child.on('exit', (c) => r(c));
        child.kill('SIGTERM');
      });
    child.stdout.on('data', () => {
      if (until(out)) (clearTimeout(timer), done({ out, err, code: null, stop }));
    });
    child.on('exit', (code) => (clearTimeout(timer), done({ out, err, code, stop })));
  });
}

/** The HTTP status a WebSocket upgrade with this Origin gets (the server refuses before any session). */
function upgradeStatus(url: string, origin: string): Promise<number> {
  return new Promise((done, fail) => {
    const ws = new WebSocket(url, { origin });
    ws.on('unexpected-response', (_req, res) => (done(res.statusCode ?? 0), ws.terminate()));
    ws.on('open', () => (ws.close(), fail(new Error('the upgrade was accepted without a token'))));
    ws.on('error', () => {});
  });
}

describe('first run', () => {
  it("npm start's server prints where the demo and the dashboard are, with the demo logins and where the admin key is", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-first-run-'));
    try {
      const r = await run(join(root, 'scripts/start-demo.ts'), ['--dev', '--port', '0', '--store', join(dir, 'data')], dir, (o) => o.includes('Try it without'));
      expect(r.code).toBeNull();
      const m = /Demo: {6}http:\/\/localhost:(\d+) — log in as\n {2}ana@example\.com \/ fieldwork/.exec(r.out);
      expect(m, r.out).not.toBeNull();
      expect(r.out).toContain('ben@example.com / fieldwork');
      const keyFile = join(dir, 'data', 'admin-key');
      expect(r.out).toContain(`Dashboard: http://localhost:${m![1]}/admin — log in with the admin key generated for development: cat ${keyFile}`);
      // That file's key logs in to the dashboard (and is not itself printed).
      const key = readFileSync(keyFile, 'utf8').trim();
      expect(r.out).not.toContain(key);
      const login = await fetch(`http://localhost:${m![1]}/api/admin/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ key }) });
      expect(login.status).toBe(201);
      const health = await fetch(`http://localhost:${m![1]}/api/health`);
      expect(health.status).toBe(200);
      // The page the server serves may open the sync socket on whatever port it was started on
      // (no allowedOrigins entry needed); another origin may not. (Without a protocol or a token the
      // upgrade is refused later, for that reason: 400 or 401, not 403.)
      expect(await upgradeStatus(`ws://127.0.0.1:${m![1]}/api/sync`, `http://127.0.0.1:${m![1]}`)).not.toBe(403);
      expect(await upgradeStatus(`ws://127.0.0.1:${m![1]}/api/sync`, 'http://elsewhere.example')).toBe(403);
      expect(await r.stop()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a busy port says which flag and variable pick another, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-busy-'));
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = await run(join(root, 'bin/outpost-server.js'), ['--dev', '--port', String(port), '--store', join(dir, 'data')], dir, () => false);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`port ${port} is already in use`);
      expect(r.err).toContain('--port <n>');
      expect(r.err).toContain('OUTPOST_PORT=<n>');
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
