import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, summarize } from './log.ts';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logging', () => {
  it('redacts tokens, passwords, keys and auth headers, and summarizes documents', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.info(
      {
        password: 'hunter2hunter2',
        refreshToken: 'ort_secret',
        auth: { accessToken: 'eyJ.secret', nested: { key: 'opk_secret' } },
        req: { method: 'POST', url: '/api/auth/login', headers: { authorization: 'Bearer eyJ.secret', 'sec-websocket-protocol': 'outpost, outpost.bearer.eyJ.secret', host: 'x' } },
        doc: { title: 'Confidential title', owner: 'ana' },
        objects: [{ secretField: 'v1' }, { secretField: 'v2' }],
        customData: { salary: 100000 },
        userId: 'u1',
      },
      'login',
    );
    const text = JSON.stringify(out.lines());
    for (const leaked of ['hunter2', 'ort_secret', 'eyJ.secret', 'opk_secret', 'Confidential', 'v1', '100000']) expect(text).not.toContain(leaked);
    const line = out.lines()[0]!;
    expect(line.password).toBe('[redacted]');
    expect((line.req as { headers: Record<string, string> }).headers.authorization).toBe('[redacted]');
    expect((line.req as { headers: Record<string, string> }).headers.host).toBe('x');
    expect(line.doc).toEqual({ kind: 'object', keys: ['title', 'owner'], count: 2 });
    expect(line.objects).toEqual({ kind: 'list', count: 2 });
    expect(line.customData).toEqual({ kind: 'object', keys: ['salary'], count: 1 }); // keys, never values
    expect(line.userId).toBe('u1');
    expect(line.msg).toBe('login');
  });

  it('summarizes values by kind', () => {
    expect(summarize('abc')).toEqual({ kind: 'string', length: 3 });
    expect(summarize(new Uint8Array(4))).toEqual({ kind: 'bytes', count: 4 });
    expect(summarize(null)).toEqual({ kind: 'null' });
    expect(summarize(5)).toEqual({ kind: 'number' });
  });
});
