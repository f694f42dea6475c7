import type { IncomingMessage } from 'node:http';
import { OutpostError } from '../../errors.ts';

/*
 * Reading JSON request bodies: only `application/json`, at most `limit` bytes (checked against
 * Content-Length first, then while reading), valid UTF-8, valid JSON, and no `__proto__`,
 * `constructor` or `prototype` key anywhere (so that no later spread or merge of the body can
 * reach an object prototype). A body past the limit is drained, not buffered, so the client
 * reads the 413 instead of a reset connection; a much larger one gets the connection closed.
 */

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new OutpostError('bad_message', 'the request body must be JSON (Content-Type: application/json)');
  const declared = Number(req.headers['content-length']);
  let tooLarge = Number.isFinite(declared) && declared > limit;
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (tooLarge) {
        chunks.length = 0;
        if (size > limit * 16 + 1024 * 1024) req.socket.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', resolve);
    req.on('error', reject);
    req.on('close', () => (req.readableEnded ? resolve() : reject(new OutpostError('bad_message', 'the request was cut off'))));
  });
  if (tooLarge) throw new OutpostError('frame_too_large', `the request body is over the limit of ${limit} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new OutpostError('bad_message', 'the request body is not valid UTF-8');
  }
  if (text.trim() === '') throw new OutpostError('bad_message', 'a JSON body is required');
  return parseJsonStrict(text);
}

export function parseJsonStrict(text: string): unknown {
  try {
    return JSON.parse(text, (key, value: unknown) => {
      if (FORBIDDEN.has(key)) throw new ForbiddenKey(key);
      return value;
    });
  } catch (err) {
    if (err instanceof ForbiddenKey) throw new OutpostError('bad_message', `the key "${err.key}" is not allowed in a request body`);
    // V8's message quotes the text around the error: keep only the position (a body may hold a password).
    const at = /position (\d+)/.exec((err as Error).message);
    throw new OutpostError('bad_message', `the request body is not valid JSON${at ? ` (at position ${at[1]})` : ''}`);
  }
}

class ForbiddenKey extends Error {
  constructor(readonly key: string) {
    super(key);
  }
}
