import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutpostError } from '../../errors.ts';
import { bearer, request, startHttpTestServer, type HttpTestServer } from '../testing/http-server.ts';

let t: HttpTestServer;
const METRICS_TOKEN = 'metrics-token-for-tests-0123456789-abcdef';
const dir = mkdtempSync(join(tmpdir(), 'outpost-http-'));
const site = join(dir, 'site');

beforeAll(async () => {
  mkdirSync(join(site, 'assets'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>demo</title>');
  writeFileSync(join(site, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(site, 'assets', 'style.css'), 'body{}');
  writeFileSync(join(site, '.env'), 'SECRET=1');
  writeFileSync(join(dir, 'secret.txt'), 'outside the root');
  symlinkSync(join(dir, 'secret.txt'), join(site, 'link.txt'));
  t = await startHttpTestServer({ staticDir: site, metricsToken: METRICS_TOKEN });
  t.http.route('GET', '/api/things/:id', (ctx) => ({ status: 200, body: { id: ctx.params.id } }));
  t.http.route('POST', '/api/echo', async (ctx) => ({ status: 200, body: { got: await ctx.json() } }));
  t.http.route('GET', '/api/files/*', (ctx) => ({ status: 200, body: { rest: ctx.params['*'] } }));
  t.http.route('GET', '/api/boom', () => {
    throw new Error('secret internals');
  });
  t.http.route('GET', '/api/typed', () => {
    throw new OutpostError('rate_limited', 'slow down', { retryAfterSeconds: 7 });
  });
  t.http.route('GET', '/api/raw', (ctx) => {
    ctx.res.writeHead(202, { 'content-type': 'text/plain' });
    ctx.res.end('raw');
  });
});

afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('HTTP core', () => {
  it('GET /api/health reports the store and version; 503 when the store is unreachable', async () => {
    const r = await request(t.base, 'GET', '/api/health');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: 'ok', store: 'memory', version: '9.9.9' });
    const other = await startHttpTestServer();
    await other.store.close();
    const down = await request(other.base, 'GET', '/api/health');
    expect(down.status).toBe(503);
    expect(down.json).toMatchObject({ status: 'unavailable', store: 'memory', error: { code: 'internal' } });
    await other.http.close(100);
  });

  it('GET /metrics needs the metrics token, and is refused when none is configured', async () => {
    expect((await request(t.base, 'GET', '/metrics')).status).toBe(401);
    expect((await request(t.base, 'GET', '/metrics', { headers: bearer('x' + METRICS_TOKEN.slice(1)) })).status).toBe(401);
    expect((await request(t.base, 'GET', '/metrics', { headers: bearer(METRICS_TOKEN + 'x') })).json.error.code).toBe('unauthorized');
    const none = await startHttpTestServer();
    const r = await request(none.base, 'GET', '/metrics', { headers: bearer(METRICS_TOKEN) });
    expect(r.status).toBe(403);
    expect(r.json.error).toMatchObject({ code: 'permission_denied' });
    expect(r.text).not.toContain('outpost_');
    await none.close();
  });

  it('GET /metrics is Prometheus text with process and request metrics', async () => {
    await request(t.base, 'GET', '/api/health');
    const r = await request(t.base, 'GET', '/metrics', { headers: bearer(METRICS_TOKEN) });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.text).toMatch(/# TYPE outpost_http_requests_total counter/);
    expect(r.text).toMatch(/outpost_http_requests_total\{method="GET",route="\/api\/health",status="200"\} \d+/);
    expect(r.text).toMatch(/outpost_http_request_duration_seconds_bucket\{method="GET",route="\/api\/health",le="\+Inf"\} \d+/);
  });

  it('answers unknown routes with 404 and wrong methods with 405, as JSON errors', async () => {
    const r = await request(t.base, 'GET', '/api/nope');
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: { code: 'not_found', message: 'no route /api/nope' } });
    const m = await request(t.base, 'DELETE', '/api/things/1');
    expect(m.status).toBe(405);
    expect(m.headers.allow).toBe('GET');
    expect(m.json.error.code).toBe('not_found');
  });

  it('routes with params and wildcards; HEAD uses GET; handlers may write the response themselves', async () => {
    expect((await request(t.base, 'GET', '/api/things/42')).json).toEqual({ id: '42' });
    expect((await request(t.base, 'GET', '/api/files/a/b/c.txt')).json).toEqual({ rest: 'a/b/c.txt' });
    const raw = await request(t.base, 'GET', '/api/raw');
    expect(raw.status).toBe(202);
    expect(raw.text).toBe('raw');
    expect((await request(t.base, 'HEAD', '/api/things/1')).status).toBe(200);
  });

  it('never leaks internal errors; typed errors keep their code, status and Retry-After', async () => {
    const r = await request(t.base, 'GET', '/api/boom');
    expect(r.status).toBe(500);
    expect(r.json.error.code).toBe('internal');
    expect(r.text).not.toContain('secret internals');
    const typed = await request(t.base, 'GET', '/api/typed');
    expect(typed.status).toBe(429);
    expect(typed.headers['retry-after']).toBe('7');
    expect(typed.json).toEqual({ error: { code: 'rate_limited', message: 'slow down' } });
  });

  it('sends security headers', async () => {
    const r = await request(t.base, 'GET', '/api/health');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('applies the Origin allowlist: listed and same origins pass, others get 403, preflights for allowed ones only', async () => {
    const ok = await request(t.base, 'GET', '/api/things/1', { headers: { origin: 'https://app.example.com' } });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(ok.headers.vary).toBe('Origin');
    const same = await request(t.base, 'POST', '/api/echo', { headers: { origin: t.base }, json: { a: 1 } });
    expect(same.status).toBe(200);
    for (const method of ['GET', 'POST', 'DELETE']) {
      const bad = await request(t.base, method, '/api/echo', { headers: { origin: 'https://evil.example.com' }, ...(method === 'POST' ? { json: { a: 1 } } : {}) });
      expect(bad.status).toBe(403);
      expect(bad.json.error.code).toBe('origin_not_allowed');
      expect(bad.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect((await request(t.base, 'GET', '/api/things/1', { headers: { origin: 'null' } })).status).toBe(403);
    const pre = await request(t.base, 'OPTIONS', '/api/echo', { headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-methods']).toBe('POST');
    expect(pre.headers['access-control-allow-headers']).toBe('Authorization, Content-Type');
    const badPre = await request(t.base, 'OPTIONS', '/api/echo', { headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } });
    expect(badPre.status).toBe(403);
    expect(badPre.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('rejects bad bodies with typed errors: malformed, wrong type, oversized, prototype keys, bad UTF-8, empty', async () => {
    const cases: Array<[string, { headers?: Record<string, string>; body?: string | Buffer }, number, string, RegExp]> = [
      ['malformed', { headers: { 'content-type': 'application/json' }, body: '{"a": ' }, 400, 'bad_message', /not valid JSON/],
      ['not JSON', { headers: { 'content-type': 'text/plain' }, body: 'hi' }, 400, 'bad_message', /Content-Type: application\/json/],
      ['__proto__', { headers: { 'content-type': 'application/json' }, body: '{"__proto__": {"admin": true}}' }, 400, 'bad_message', /__proto__/],
      ['nested constructor', { headers: { 'content-type': 'application/json' }, body: '{"a": [{"constructor": {"prototype": 1}}]}' }, 400, 'bad_message', /not allowed/],
      ['bad UTF-8', { headers: { 'content-type': 'application/json' }, body: Buffer.from([0x22, 0xff, 0xfe, 0x22]) }, 400, 'bad_message', /UTF-8/],
      ['empty', { headers: { 'content-type': 'application/json' }, body: '' }, 400, 'bad_message', /required/],
      ['oversized', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ big: 'x'.repeat(1024 * 1024 + 10) }) }, 413, 'frame_too_large', /over the limit/],
    ];
    for (const [name, opts, status, code, message] of cases) {
      const r = await request(t.base, 'POST', '/api/echo', opts);
      expect(r.status, name).toBe(status);
      expect(r.json.error.code, name).toBe(code);
      expect(r.json.error.message, name).toMatch(message);
    }
    // The malformed body's text is not echoed back.
    const r = await request(t.base, 'POST', '/api/echo', { headers: { 'content-type': 'application/json' }, body: '{"password": "hunter2" oops' });
    expect(r.text).not.toContain('hunter2');
    expect((await request(t.base, 'POST', '/api/echo', { json: { ok: [1, 'ü'] } })).json).toEqual({ got: { ok: [1, 'ü'] } });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('hands WebSocket upgrades to the registered handler, and answers others 404', async () => {
    const upgrade = (path: string) =>
      new Promise<string>((resolve) => {
        const s = connect(Number(new URL(t.base).port), '127.0.0.1', () => {
          s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
        });
        let data = '';
        s.on('data', (d) => (data += d.toString()));
        s.on('close', () => resolve(data));
      });
    t.http.onUpgrade((req, socket) => {
      if (req.url !== '/api/sync') return false;
      socket.end('HTTP/1.1 418 I am a teapot\r\nConnection: close\r\n\r\n');
      return true;
    });
    expect(await upgrade('/api/sync')).toMatch(/^HTTP\/1.1 418/);
    expect(await upgrade('/elsewhere')).toMatch(/^HTTP\/1.1 404[\s\S]*not_found/);
  });

  it('serves static files with content types, ETags and SPA fallback, and nothing outside the root', async () => {
    const index = await request(t.base, 'GET', '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.text).toContain('<title>demo</title>');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    const js = await request(t.base, 'GET', '/assets/app.js');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await request(t.base, 'GET', '/assets/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const cached = await request(t.base, 'GET', '/assets/app.js', { headers: { 'if-none-match': String(js.headers.etag) } });
    expect(cached.status).toBe(304);
    expect((await request(t.base, 'GET', '/work-orders/42')).text).toContain('<title>demo</title>'); // client-side route
    expect((await request(t.base, 'HEAD', '/assets/app.js')).text).toBe('');
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/.env', '/link.txt', '/assets/missing.js', '/%00', '/..%5csecret.txt']) {
      const r = await request(t.base, 'GET', path);
      expect(r.status, path).toBe(404);
      expect(r.text, path).not.toContain('outside the root');
      expect(r.text, path).not.toContain('SECRET');
    }
    expect((await request(t.base, 'GET', '/%E0%A4%A')).status).toBe(400);
    expect((await request(t.base, 'POST', '/index.html', { json: {} })).status).toBe(404);
  });
});
