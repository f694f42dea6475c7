import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ObjectSchemaInput } from '../../src/model/index.ts';

/*
 * Runs the Outpost server in a child process (server-child.ts) and talks to it: its URL, its
 * memory after a forced GC, its resident set size from /proc, an anonymous login, a clean stop.
 * A child keeps the server's memory and CPU apart from the clients that load it (two cores:
 * roughly one each).
 */

const CHILD = fileURLToPath(new URL('./server-child.ts', import.meta.url));
/** An HS256 secret and an admin key for the benchmark servers only (never used elsewhere). */
const SECRET = 'outpost-bench-secret-0123456789abcdef0123456789';
export const BENCH_ADMIN_KEY = 'outpost-bench-admin-key-0123456789abcdef';

export interface ServerOptions {
  /** A data directory (embedded SQLite store) or a postgres:// URL. */
  readonly store: string;
  readonly pgSchema?: string;
  readonly schema: readonly ObjectSchemaInput[];
  readonly queryable?: { global?: string[]; byType?: Record<string, string[]> };
  readonly staticDir?: string;
  /** Per-session flood limits; the benchmarks raise them where loading data is not what is measured. */
  readonly messagesPerSecond?: number;
  readonly bytesPerSecond?: number;
  readonly maxSessions?: number;
  /** Extra node flags for the child (e.g. a larger heap). */
  readonly execArgv?: readonly string[];
}

export interface MemoryReport {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

export interface ServerProcess {
  readonly url: string;
  readonly wsUrl: string;
  readonly pid: number;
  /** process.memoryUsage() in the server after two forced full GCs. */
  memory(): Promise<MemoryReport>;
  /** Resident set size now, from /proc (no GC, no IPC round trip: cheap enough to sample). */
  rss(): number;
  /** A fresh anonymous user's access token (valid 15 minutes). */
  login(): Promise<string>;
  stop(): Promise<void>;
}

export function startServerProcess(options: ServerOptions): Promise<ServerProcess> {
  const config = {
    port: 0,
    host: '127.0.0.1',
    store: options.store,
    ...(options.pgSchema ? { postgres: { schema: options.pgSchema, poolSize: 10 } } : {}),
    schema: options.schema,
    queryableFields: { global: options.queryable?.global ?? [], byType: options.queryable?.byType ?? {} },
    auth: { tokens: { secret: SECRET, accessTokenTtlSeconds: 900 } },
    adminKey: BENCH_ADMIN_KEY,
    // The server denies everything without roles; the benchmarks measure the engine with
    // everyone granted everything, as an app with no per-object rules would run.
    roles: { default: [{ name: 'everyone', applyWhen: true, read: true, write: true }] },
    allowedOrigins: '*',
    limits: {
      ...(options.messagesPerSecond ? { messagesPerSecond: options.messagesPerSecond } : {}),
      ...(options.bytesPerSecond ? { bytesPerSecond: options.bytesPerSecond } : {}),
      maxSessions: options.maxSessions ?? 10_000,
    },
    ...(options.staticDir ? { staticDir: options.staticDir } : {}),
    logLevel: 'error',
  };
  const child: ChildProcess = fork(CHILD, [], {
    // BENCH_SERVER_PROF=<dir>: a CPU profile of every server child (node --cpu-prof), for the
    // profile-first rule of performance work.
    execArgv: ['--import', 'tsx', '--expose-gc', ...(process.env.BENCH_SERVER_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_SERVER_PROF] : []), ...(options.execArgv ?? [])],
    env: { ...process.env, BENCH_SERVER_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const waiting = new Map<number, (m: { usage: MemoryReport }) => void>();
  return new Promise((resolve, reject) => {
    const early = (code: number | null) => reject(new Error(`the server process exited before it was ready (code ${code})`));
    child.once('exit', early);
    child.on('message', (m: { type: string; url?: string; id?: number; usage?: MemoryReport }) => {
      if (m.type === 'mem') {
        waiting.get(m.id!)?.(m as { usage: MemoryReport });
        waiting.delete(m.id!);
      }
      if (m.type !== 'ready') return;
      child.off('exit', early);
      const url = m.url!.replace('0.0.0.0', '127.0.0.1');
      resolve({
        url,
        wsUrl: url.replace(/^http/, 'ws') + '/api/sync',
        pid: child.pid!,
        memory: () =>
          new Promise((res) => {
            const id = nextId++;
            waiting.set(id, (r) => res(r.usage));
            child.send({ type: 'mem', id });
          }),
        rss: () => rssOf(child.pid!),
        async login() {
          const r = await fetch(url + '/api/auth/login', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ provider: 'anonymous' }),
          });
          if (!r.ok) throw new Error(`login failed: HTTP ${r.status} ${await r.text()}`);
          return ((await r.json()) as { accessToken: string }).accessToken;
        },
        stop: () =>
          new Promise<void>((res) => {
            if (child.exitCode !== null) return res();
            const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
            child.once('exit', () => {
              clearTimeout(force);
              res();
            });
            child.send({ type: 'stop' });
          }),
      });
    });
  });
}

/** The fan-out floor (broadcast-child.ts) in its own process. */
export function startBroadcastProcess(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = fork(fileURLToPath(new URL('./broadcast-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the broadcast process exited (code ${code})`)));
    child.once('message', (m: { port: number }) =>
      resolve({
        url: `ws://127.0.0.1:${m.port}`,
        stop: () =>
          new Promise<void>((res) => {
            if (child.exitCode !== null) return res();
            child.once('exit', () => res());
            child.send({ type: 'stop' });
          }),
      }),
    );
  });
}

/** VmRSS of a process in bytes (0 once it is gone). */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every descendant of a process (Chromium's browser, renderer, GPU and utility processes). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The ppid is the 2nd field after the parenthesised command name.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** Samples a figure every `everyMs` and keeps the peak; `stop()` returns it. */
export function peakSampler(read: () => number, everyMs = 50): { stop(): number } {
  let peak = read();
  const timer = setInterval(() => (peak = Math.max(peak, read())), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, read());
    },
  };
}
