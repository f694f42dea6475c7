import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config/load.ts';
import { silentLogger } from '../log.ts';
import { startServer, type ServerParts } from '../main.ts';
import { request } from '../testing/http-server.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('server start-up (src/server/main.ts, bin/outpost-server.js)', () => {
  it('starts store, auth, HTTP and the sync hook; stops cleanly', async () => {
    let attached: ServerParts | undefined;
    let closed = false;
    const server = await startServer({
      config: parseConfig({ developmentMode: true, store: 'memory:', port: 0, host: '127.0.0.1' }),
      log: silentLogger(),
      attachSync: async (parts) => {
        attached = parts;
        return { routes: [{ method: 'GET', path: '/api/sync-info', handler: () => ({ status: 200, body: { attached: true } }) }], close: async () => void (closed = true) };
      },
    });
    expect(attached?.store).toBe(server.store);
    expect((await request(server.url, 'GET', '/api/health')).json).toMatchObject({ status: 'ok', store: 'memory' });
    expect((await request(server.url, 'GET', '/api/sync-info')).json).toEqual({ attached: true });
    const login = await request(server.url, 'POST', '/api/auth/login', { json: { provider: 'anonymous' } });
    expect((await server.auth.verifyAccessToken(login.json.accessToken)).userId).toBe(login.json.userId);
    await server.close();
    expect(closed).toBe(true);
  });

  it('refuses a configuration without a JWT secret outside development mode', async () => {
    await expect(startServer({ argv: ['--store', 'memory:'], env: {}, log: silentLogger() })).rejects.toBeInstanceOf(ConfigError);
  });

  it('bin/outpost-server.js runs the server with tsx and shuts it down on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-bin-'));
    try {
      const child = spawn(process.execPath, [join(root, 'bin', 'outpost-server.js'), '--dev', '--port', '0'], {
        cwd: dir,
        env: { ...process.env, OUTPOST_HOST: '127.0.0.1', OUTPOST_LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 30_000);
        child.stdout.on('data', () => {
          const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.on('exit', () => reject(new Error(`exited early: ${out}`)));
      });
      expect((await request(url, 'GET', '/api/health')).json).toMatchObject({ status: 'ok', store: 'sqlite' });
      const code = await new Promise<number | null>((resolve) => {
        child.on('exit', (c) => resolve(c));
        child.kill('SIGTERM');
      });
      expect(code).toBe(0);
      expect(out).toContain('outpost server stopped');
      // Asked for with --dev, and said so; no roles configured: denied, and said how to grant.
      expect(out).toContain('development mode is ON');
      expect(out).toContain('no roles are configured: every read and write is denied');
      expect(out).not.toMatch(/"(jwtSecret|adminKey)"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
