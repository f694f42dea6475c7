import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { OutpostError } from '../../errors.ts';

/*
 * Static files (the built demo). The request path is decoded, checked segment by segment (no
 * `..`, no dot-files, no NUL or backslash), joined to the root, and the real path (symlinks
 * resolved) must still be inside the root. A directory serves its index.html; a path without an
 * extension that names no file falls back to /index.html (client-side routing).
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** A page of the demo may load its own scripts, styles and workers, and talk to this server. */
export const STATIC_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

function notFound(): OutpostError {
  return new OutpostError('not_found', 'no such file');
}

async function fileAt(root: string, rel: string): Promise<{ path: string; size: number; mtimeMs: number } | undefined> {
  const candidate = join(root, rel);
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    return undefined;
  }
  if (real !== root && !real.startsWith(root + sep)) return undefined;
  const st = await stat(real);
  if (st.isDirectory()) return fileAt(root, join(rel, 'index.html'));
  return st.isFile() ? { path: real, size: st.size, mtimeMs: st.mtimeMs } : undefined;
}

export async function serveStatic(req: IncomingMessage, res: ServerResponse, dir: string, pathname: string): Promise<void> {
  const root = await realpath(resolve(dir)).catch(() => {
    throw notFound();
  });
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    throw new OutpostError('bad_message', 'malformed path');
  }
  const segments = decoded.split('/').filter((s) => s !== '');
  for (const s of segments) {
    if (s === '..' || s.startsWith('.') || s.includes('\\') || s.includes('\0')) throw notFound();
  }
  const rel = segments.join('/');
  let file = await fileAt(root, rel);
  if (!file && extname(rel) === '') file = await fileAt(root, 'index.html');
  if (!file) throw notFound();
  const type = TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream';
  const etag = `"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
  const headers: Record<string, string> = {
    'Content-Type': type,
    ETag: etag,
    'Last-Modified': new Date(file.mtimeMs).toUTCString(),
    'Cache-Control': type.startsWith('text/html') ? 'no-cache' : 'public, max-age=3600',
    'Content-Security-Policy': STATIC_CSP,
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': String(file.size) });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((resolveDone) => {
    const stream = createReadStream(file.path);
    stream.on('error', () => {
      res.destroy();
      resolveDone();
    });
    stream.on('end', resolveDone);
    stream.pipe(res);
  });
}
