import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { frameText } from './transport.ts';

/*
 * Protocol 2: the server sends a large message as one raw DEFLATE of its JSON in a binary frame;
 * the worker reads it back however the socket hands binary data over.
 */

describe('frameText', () => {
  const json = JSON.stringify({ t: 'DOWNLOAD', items: Array.from({ length: 200 }, (_, i) => ({ i, text: 'é ünïcode ✓ '.repeat(3) })) });
  const compressed = deflateRawSync(json);

  it('inflates a binary frame given as an ArrayBuffer, a typed array (ws: Buffer) or a Blob', async () => {
    const buffer = compressed.buffer.slice(compressed.byteOffset, compressed.byteOffset + compressed.byteLength);
    expect(await frameText(buffer)).toBe(json);
    expect(await frameText(compressed)).toBe(json);
    expect(await frameText(new Uint8Array(buffer))).toBe(json);
    expect(await frameText(new Blob([buffer]))).toBe(json);
  });

  it('passes a text frame through', async () => {
    expect(await frameText('{"t":"PONG"}')).toBe('{"t":"PONG"}');
  });

  it('rejects a binary frame that is not a DEFLATE stream', async () => {
    await expect(frameText(new Uint8Array([1, 2, 3, 4, 5]))).rejects.toThrow();
  });
});
